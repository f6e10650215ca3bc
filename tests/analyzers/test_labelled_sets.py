"""Issue 13: the labelled capture sets in tests/fixtures (errors, sessions, PII) hold precision and recall
>= 0.95 in every category, scanned the way bench/*_accuracy.py scans them (outside tests/)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from leakscan.cli import cli

FIXTURES = Path(__file__).parent.parent / "fixtures"
SETS = {"errors": "stacktrace", "sessions": "secret", "pii": "pii"}  # set: finding category a case counts by


@pytest.mark.parametrize("name", sorted(SETS))
def test_labelled_set_precision_and_recall_per_category(name, tmp_path):
    cases = json.loads((FIXTURES / name / "cases.json").read_text(encoding="utf-8"))
    root = tmp_path / "cases"
    for i, case in enumerate(cases):
        (root / f"c{i:04d}").mkdir(parents=True)
        (root / f"c{i:04d}" / case["file"]).write_text(case["text"], encoding="utf-8")
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json", "--no-progress"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    assert report["errors"] == []
    found: dict[str, set[str]] = {}
    for finding in report["findings"]:
        found.setdefault(Path(finding["location"]["path"]).parts[0], set()).add(finding["category"])
    outcomes: dict[str, Counter[str]] = {}
    for i, case in enumerate(cases):
        hit = bool(found.get(f"c{i:04d}", set()) & set(case.get("counts", [SETS[name]])))
        outcome = {(True, True): "tp", (True, False): "fn", (False, True): "fp", (False, False): "tn"}
        outcomes.setdefault(case["category"], Counter())[outcome[(case["expect"], hit)]] += 1
    for category, c in outcomes.items():
        assert c["tp"] + c["fn"] >= 6 and c["fp"] + c["tn"] >= 4, (category, c)  # positives and hard negatives
        assert c["tp"] / (c["tp"] + c["fp"]) >= 0.95, (category, c)
        assert c["tp"] / (c["tp"] + c["fn"]) >= 0.95, (category, c)
