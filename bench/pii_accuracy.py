"""Precision and recall per PII category on the labelled cases of tests/fixtures/pii/cases.json.

    python bench/pii_accuracy.py [-v]

Each case is one small capture file (written by tests/fixtures/make_pii_fixtures.py from the card
networks' IIN tables and the national-id formats); a case expecting PII counts as found when the
scan reports a `pii` finding in its file, and a case expecting none is a false positive when it
does. All cases are scanned at once, outside tests/ (so the test-path demotion does not apply).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from _common import REPO

CASES = REPO / "tests" / "fixtures" / "pii" / "cases.json"


def scan(root: Path) -> dict[str, set[str]]:
    """Finding categories reported in each case directory."""
    cmd = [sys.executable, "-m", "leakscan", "scan", str(root), "--format", "json", "--no-progress"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan failed: {proc.stderr}")
    report = json.loads(proc.stdout)
    if report["errors"]:
        raise SystemExit(f"scan reported errors: {report['errors']}")
    found: dict[str, set[str]] = defaultdict(set)
    for finding in report["findings"]:
        found[Path(finding["location"]["path"]).parts[0]].add(finding["category"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and false positives")
    args = parser.parse_args()
    report(CASES, "pii", args.verbose)


def report(cases_file: Path, finding_category: str, verbose: bool) -> None:
    """Scan every case of `cases_file` and print precision and recall per case category.

    A case is found when a finding of `finding_category` (or of one of the case's own `counts`) is in its file.
    """
    cases = json.loads(cases_file.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cases"
        for i, case in enumerate(cases):
            (root / f"c{i:04d}").mkdir(parents=True)
            (root / f"c{i:04d}" / case["file"]).write_text(case["text"], encoding="utf-8")
        found = scan(root)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
    for i, case in enumerate(cases):
        hit = bool(found.get(f"c{i:04d}", set()) & set(case.get("counts", [finding_category])))
        outcome = {(True, True): "tp", (True, False): "fn", (False, True): "fp", (False, False): "tn"}[
            (case["expect"], hit)]
        counts[case["category"]][outcome] += 1
        if verbose and outcome in ("fp", "fn"):
            print(f"  {outcome}: {case['category']}: {case['what']}")
    print(f"{'category':<14} {'pos':>4} {'neg':>4} {'precision':>9} {'recall':>7}")
    for category, c in sorted(counts.items()):
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        print(f"{category:<14} {c['tp'] + c['fn']:>4} {c['fp'] + c['tn']:>4} {precision:>9.3f} {recall:>7.3f}")


if __name__ == "__main__":
    main()
