"""The findings spill: read back in the report's order, equal to what went in, private, bounded, removed."""
from __future__ import annotations

import gc
import io
import random
import shutil
import stat
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from leakscan.model import Finding, Location, Report, ScanStats, Suggestion
from leakscan.pipeline.findings import report_order, sort_findings
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters import REPORTERS, ReportOptions
from leakscan.store.records import _READ_BUFFER, FindingSpill

from ..conftest import FIXTURES, fake_github_token


def _finding(index: int, rng: random.Random) -> Finding:
    """Few distinct places (so many findings tie on the report's order) and a unique fingerprint."""
    line = rng.randrange(1, 4)
    location = Location(f"dir/{rng.choice('abc')}.py", line, rng.randrange(1, 3), line, 40,
                        commit=rng.choice([None, "c" * 40]), pointer=rng.choice([None, "/log/entries/0/x"]),
                        extra=(("author", "Añna \ud800 <a@example.com>"),), layers=("base64",))
    token = fake_github_token(index)
    return Finding(rng.choice(["github.pat.classic", "generic.secret"]), "secret", "GitHub token", "high",
                   0.1 * rng.randrange(1, 10), ("pattern: 0.90",), location, "ghp_****", f"sha256:{index:08d}",
                   Suggestion("revoke", "Revoke it", "ghp_****"), "sha256:def", secret=token,
                   also_at=(f"other.py:{index}",), raw_pointer="/raw", related_lines=(index % 5,))


def _findings(count: int, seed: int = 3) -> Iterator[Finding]:
    rng = random.Random(seed)
    return (_finding(i, rng) for i in range(count))


def _unsecret(finding: Finding) -> Finding:
    return replace(finding, secret="", raw_pointer=None, raw_also_at=None)


@pytest.mark.parametrize("threshold", [1, 3, 7, 64, 10_000])
def test_read_back_in_the_sorted_order_ties_as_added(threshold: int) -> None:
    added = list(_findings(300))
    with FindingSpill(report_order, threshold) as spill:
        spill.add(added[:200])
        assert [f.fingerprint for f in spill] == [f.fingerprint for f in sort_findings(added[:200])]
        spill.add(added[200:])  # more after a first reading
        back = list(spill)
        assert len(spill) == 300 and bool(spill)
    assert [f.fingerprint for f in back] == [f.fingerprint for f in sort_findings(added)]
    assert back == sort_findings(added)  # equal as compared (the secret is not compared) ...
    assert {f.secret for f in back} <= {"", *(f.secret for f in added)}  # ... and held ones keep it
    if threshold < 300:
        assert [_unsecret(f) for f in back if not f.secret] and all(
            f == _unsecret(f) and f.raw_also_at is None for f in back if not f.secret)


def test_the_file_is_private_never_holds_a_secret_and_is_removed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    spill = FindingSpill(report_order, 5)
    added = list(_findings(12))
    spill.add(added)
    [folder] = tmp_path.iterdir()
    [file] = folder.iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(file.stat().st_mode) == 0o600
    stored = file.read_bytes()
    assert stored.count(b"\n") == 10  # two runs of 5; two findings held
    for finding in added:
        assert finding.secret.encode() not in stored and finding.secret[4:20].encode() not in stored
    assert b"/raw" not in stored
    spill.close()
    assert not list(tmp_path.iterdir())
    assert [f.fingerprint for f in spill] == [f.fingerprint for f in sort_findings(added[10:])]
    collected = FindingSpill(report_order, 2)
    collected.add(added)
    assert list(tmp_path.iterdir())
    del collected
    gc.collect()
    assert not list(tmp_path.iterdir())  # removed when the spill goes (and at exit)


def test_nothing_spilled_writes_no_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    spill = FindingSpill(report_order)
    spill.add(_findings(50))
    assert len(list(spill)) == 50 and not list(tmp_path.iterdir())
    assert not FindingSpill(report_order) and list(FindingSpill(report_order)) == []


def _peak_while_spilling(count: int) -> int:
    tracemalloc.start()
    try:
        with FindingSpill(report_order, 1_000) as spill:
            spill.add(_findings(count))
            for _ in spill:
                pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_the_findings_grow() -> None:
    small, large = _peak_while_spilling(2_000), _peak_while_spilling(16_000)
    # Held: 1,000 findings, and while reading, a buffer per run (2 runs, then 16): 14,000 more findings
    # held would add more than 10 MB.
    assert large - small < 14 * 2 * _READ_BUFFER
    assert small > 500_000  # the 1,000 findings held are most of the peak


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, engine) -> Report:
    root = tmp_path_factory.mktemp("spilled")
    (root / "tokens.env").write_text("".join(f"GH_{i}={fake_github_token(i)}\n" for i in range(60)))
    shutil.copy(FIXTURES / "captures" / "shop-session.har", root / "shop-session.har")
    report = scan_paths([str(root)], engine)
    assert len(report.findings) > 60
    return replace(report, stats=ScanStats(report.stats.files, report.stats.bytes, 1.0, 0))


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab", "junit"])
def test_reports_of_spilled_findings_are_byte_identical(scanned: Report, fmt: str) -> None:
    def written(report: Report) -> str:
        out = io.StringIO()
        REPORTERS[fmt](report, out, ReportOptions(show_secrets=False))
        return out.getvalue()

    shuffled = list(scanned.findings)
    random.Random(5).shuffle(shuffled)  # added in any order, read back in the report's
    with FindingSpill(report_order, 4) as spill:
        spill.add(shuffled)
        assert written(replace(scanned, findings=spill)) == written(scanned)  # type: ignore[arg-type]


def test_a_spill_added_to_another_gives_its_runs_over_unread(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    added = list(_findings(100, seed=9))
    run = FindingSpill(report_order, 7)
    run.add(added[:30])  # 4 runs written, 2 held
    document = FindingSpill(report_order, 8)
    document.add(added[30:90])
    run.add(document)
    run.add(added[90:])
    assert len(run) == 100 and not document and list(document) == []
    del document
    gc.collect()
    assert len(list(tmp_path.iterdir())) == 2  # the document's file is the run's now
    assert [f.fingerprint for f in run] == [f.fingerprint for f in sort_findings(added)]
    run.close()
    assert not list(tmp_path.iterdir())
