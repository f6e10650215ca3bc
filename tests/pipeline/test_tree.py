"""pipeline/tree: the heavy files go first, each a task of its own, and are still scanned."""
from __future__ import annotations

import multiprocessing
import zipfile

import pytest

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.tree import heaviest_first, scan_paths
from leakscan.sources.files import walk_files

from ..conftest import fake_github_token


def _tree(root) -> None:
    for n in range(30):
        (root / f"mod{n:02d}.py").write_text(f"token = '{fake_github_token(n)}'\n" if n % 7 == 0 else "x = 1\n")
    (root / "aa_data.tar").write_bytes(b"not a tar at all, scanned as what it is")
    with zipfile.ZipFile(root / "zz_bundle.whl", "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("pkg/settings.py", f"GITHUB_TOKEN = '{fake_github_token(77)}'\n")
        bundle.writestr("pkg/other.py", "z = 3\n")


def test_archives_lead_the_rest_keep_their_order(tmp_path):
    _tree(tmp_path)
    refs = walk_files([str(tmp_path)], Config()).refs
    ordered, heavy = heaviest_first(refs, archives=True)
    assert [r.display for r in ordered[:2]] == ["aa_data.tar", "zz_bundle.whl"] and heavy == 2
    assert ordered[2:] == [r for r in refs if not r.display.endswith((".tar", ".whl"))]
    assert heaviest_first(refs, archives=False) == (refs, 0)  # not opened: nothing heavy


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers are not forked here")
def test_an_archive_scheduled_first_is_scanned_on_workers_as_in_one_process(tmp_path):
    _tree(tmp_path)

    def found(jobs: int) -> list[tuple[str, str, int | None]]:
        report = scan_paths([str(tmp_path)], Engine.build(Config(jobs=jobs)))
        return [(f.location.path, f.rule_id, f.location.line) for f in report.findings]

    serial, parallel = found(1), found(2)
    assert parallel == serial
    assert any(path == "zz_bundle.whl!/pkg/settings.py" for path, _, _ in parallel)
    assert sum(path.startswith("mod") for path, _, _ in parallel) == 5


def _spillable_har(entries: int) -> str:
    """Over 4 MiB on one line (so streamed), a token and 60 emails of their own in every entry (findings
    go to the spill a batch of 1,000 at a time)."""
    import json

    filler = " ".join(f"word{i}" for i in range(30_000))
    return json.dumps({"log": {"version": "1.2", "entries": [
        {"request": {"method": "GET", "url": f"https://shop.test/{i}",
                     "headers": [{"name": "Authorization", "value": f"Bearer {fake_github_token(i + 1)}"}]},
         "response": {"content": {"mimeType": "application/json", "text": json.dumps(
             {"text": filler, "contacts": [{"email": f"owner.{i}.{j}@inbox-mailer.com"} for j in range(60)]})}}}
        for i in range(entries)]}}, separators=(",", ":"))


def test_a_large_capture_whose_findings_spill_reports_what_one_held_would(tmp_path, monkeypatch):
    """The tree pipeline hands a large capture a spill (store.records.FindingSpill) and the report
    reads it back: findings and the JSON report are those of the findings held in memory."""
    import io

    from leakscan.pipeline import tree
    from leakscan.reporters import json_report
    from leakscan.reporters.options import ReportOptions
    from leakscan.store.records import FindingSpill

    path = tmp_path / "big.har"
    path.write_text(_spillable_har(24), encoding="utf-8")
    assert path.stat().st_size > 4 << 20
    engine = Engine.build(Config(jobs=1, scan_rule_packs=True))  # under 8 MiB: not left whole as a rule pack

    def scanned() -> tuple[object, str]:
        report = scan_paths([str(path)], engine)
        out = io.StringIO()
        json_report.write(report, out, ReportOptions())
        return report.findings, out.getvalue()

    held, held_json = scanned()
    monkeypatch.setattr(tree, "SPILL_FROM", 5)
    spilled, spilled_json = scanned()
    assert isinstance(held, tuple) and len(held) >= 24 * 61
    assert isinstance(spilled, FindingSpill)
    assert list(spilled) == list(held)
    assert _without_seconds(spilled_json) == _without_seconds(held_json)


def _without_seconds(report_json: str) -> object:
    import json

    document = json.loads(report_json)
    document["stats"].pop("seconds", None)
    return document
