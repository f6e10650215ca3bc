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
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import pytest

from leakscan.model import Finding, Location, Report, ScanStats, Suggestion, Verification
from leakscan.pipeline.findings import report_order, sort_findings
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters import REPORTERS, ReportOptions
from leakscan.store.records import _READ_BUFFER, MAX_RUNS, FindingSpill

from ..conftest import FIXTURES, fake_github_token


def _finding(index: int, rng: random.Random) -> Finding:
    """Few distinct places (so many findings tie on the report's order) and a unique fingerprint."""
    line = rng.randrange(1, 4)
    location = Location(f"dir/{rng.choice('abc')}.py", line, rng.randrange(1, 3), line, 40,
                        commit=rng.choice([None, "c" * 40]), pointer=rng.choice([None, "/log/entries/0/x"]),
                        extra=(("author", "Añna \ud800 <a@example.com>"),), layers=("base64",),
                        repository=rng.choice([None, "org/repo"]))
    token = fake_github_token(index)
    kept: dict[str, Any] = rng.choice([{}, {"raw_pointer": "/raw", "raw_also_at": ("raw.py:1",)},
                                       {"verification": Verification("invalid", "2026-01-01T00:00:00Z", "github")}])
    return Finding(rng.choice(["github.pat.classic", "generic.secret"]), "secret", "GitHub token", "high",
                   0.1 * rng.randrange(1, 10), ("pattern: 0.90",), location, "ghp_****", f"sha256:{index:08d}",
                   Suggestion("revoke", "Revoke it", "ghp_****"), "sha256:def", secret=rng.choice([token, ""]),
                   also_at=(f"other.py:{index}",), related_lines=(index % 5,), **kept)


def _findings(count: int, seed: int = 3) -> Iterator[Finding]:
    rng = random.Random(seed)
    return (_finding(i, rng) for i in range(count))


def _unrecorded(finding: Finding) -> tuple[object, ...]:
    return finding.secret, finding.raw_pointer, finding.raw_also_at, finding.verification


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
    assert back == sort_findings(added)
    # What the file leaves out comes back from memory: the secret, the raw places, a verification.
    assert [_unrecorded(f) for f in back] == [_unrecorded(f) for f in sort_findings(added)]


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
    assert sum(bool(f.secret) for f in added[:10]) > 2
    for finding in (f for f in added if f.secret):
        assert finding.secret.encode() not in stored and finding.secret[4:20].encode() not in stored
    assert b"/raw" not in stored and b"raw.py" not in stored
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


def _peak_while_spilling(count: int, kept: bool) -> int:
    findings = _findings(count) if kept else (replace(f, secret="", raw_pointer=None, raw_also_at=None,
                                                       verification=None) for f in _findings(count))
    tracemalloc.start()
    try:
        with FindingSpill(report_order, 1_000) as spill:
            spill.add(findings)
            for _ in spill:
                pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_the_findings_grow() -> None:
    """1,000 findings held, a buffer per run while reading (2 runs, then 16), and beside each run what
    its records leave out (a secret: about 100 bytes); the 14,000 more findings held would be 15 MB."""
    small, large = _peak_while_spilling(2_000, False), _peak_while_spilling(16_000, False)
    assert large - small < 14 * 2 * _READ_BUFFER
    assert small > 500_000  # the 1,000 findings held are most of the peak
    small, large = _peak_while_spilling(2_000, True), _peak_while_spilling(16_000, True)
    assert large - small < 14 * 2 * _READ_BUFFER + 14_000 * 200


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, engine) -> Report:
    root = tmp_path_factory.mktemp("spilled")
    (root / "tokens.env").write_text("".join(f"GH_{i}={fake_github_token(i)}\n" for i in range(60)))
    shutil.copy(FIXTURES / "captures" / "shop-session.har", root / "shop-session.har")
    report = scan_paths([str(root)], engine)
    assert len(report.findings) > 60
    return replace(report, stats=ScanStats(report.stats.files, report.stats.bytes, 1.0, 0))


class _FixedClock(datetime):
    """The GitLab report's scan times come from the clock: two writings a second apart differ there."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _FixedClock:
        return cls(2026, 12, 3, 12, 0, 0, tzinfo=tz)


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab", "junit"])
def test_reports_of_spilled_findings_are_byte_identical(scanned: Report, fmt: str, monkeypatch) -> None:
    from leakscan.reporters import gitlab

    monkeypatch.setattr(gitlab, "datetime", _FixedClock)

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


def test_runs_are_merged_before_reading_would_open_too_many_files(tmp_path: Path, monkeypatch) -> None:
    """150 documents' spills of 2 runs each, and a run at each (a finding held before each document):
    reading opens a file per run, so past MAX_RUNS they are merged into one, in the same order."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    added = list(_findings(150 * 5, seed=11))
    with FindingSpill(report_order, 1_000) as run:
        for at in range(0, len(added), 5):
            run.add(added[at:at + 1])
            document = FindingSpill(report_order, 2)
            document.add(added[at + 1:at + 5])
            run.add(document)
            assert len(run._runs) < MAX_RUNS
        files = [file for folder in tmp_path.iterdir() for file in folder.iterdir()]
        assert len(files) <= 2 * MAX_RUNS
        assert [f.fingerprint for f in run] == [f.fingerprint for f in sort_findings(added)]
        assert [_unrecorded(f) for f in run] == [_unrecorded(f) for f in sort_findings(added)]
    gc.collect()
    assert not [file for folder in tmp_path.iterdir() for file in folder.iterdir()]


def test_by_position_and_settled(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    added = list(_findings(40, seed=4))
    ordered = sort_findings(added)
    with FindingSpill(report_order, 6) as spill:
        spill.add(added)
        assert spill[0] == ordered[0] and spill[39] == ordered[39] and spill[-1] == ordered[-1]
        assert spill[3:5] == tuple(ordered[3:5])
        with pytest.raises(IndexError):
            spill[40]
        assert spill.settled() is spill and ordered[7] in spill
    small = FindingSpill(report_order, 100)
    small.add(added)
    assert small.settled() == tuple(ordered)  # nothing written out: a plain tuple


def test_an_iterator_keeps_its_spill_and_files(tmp_path: Path, monkeypatch) -> None:
    """`iter(report().findings)`: nothing else refers to the spill while it is read."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    def spilled() -> FindingSpill:
        spill = FindingSpill(report_order, 2)
        spill.add(_findings(9))
        return spill

    reading = iter(spilled())
    gc.collect()
    assert len(list(reading)) == 9
    del reading
    gc.collect()
    assert not list(tmp_path.iterdir())


def test_runs_after_the_first_are_small_and_read_back_the_same(tmp_path: Path, monkeypatch) -> None:
    """Once a spill has written out, it holds RUN_SIZE findings at most (not the threshold): a capture's
    findings are made while its candidates are held (issue 20.2). The order, ties as added, is the same."""
    import leakscan.store.records as records

    monkeypatch.setattr(records, "RUN_SIZE", 4)
    added = list(_findings(50))
    with FindingSpill(report_order, 10) as spill:
        held = []
        for finding in added:
            spill.add([finding])
            held.append(len(spill._held))
        assert max(held[:9]) == 9 and max(held[10:]) <= 3  # 10 held before the first run, 4 after
        back = list(spill)
    assert back == sort_findings(added)
    assert [_unrecorded(f) for f in back] == [_unrecorded(f) for f in sort_findings(added)]
