"""Run state: a resumed run finds its units; a new plan or a finished run starts afresh."""
from __future__ import annotations

from pathlib import Path

from leakscan.store.runs import RunStore


def test_resume_finds_the_unfinished_run_of_the_same_plan(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "state.sqlite3")
    run, resumed = store.start("plan-a", resume=False)
    assert not resumed
    store.record(run, "org/one", 0, "scanned", {"findings": []})
    store.close()
    again = RunStore(tmp_path / "state.sqlite3")
    assert again.start("plan-a", resume=True) == (run, True)
    assert again.done(run) == {("org/one", 0): {"findings": []}}
    assert again.start("plan-b", resume=True)[1] is False  # other repositories or rules: a new run
    again.finish(run)
    assert again.start("plan-a", resume=True)[0] != run  # a finished run is not resumed


def test_recording_a_unit_twice_keeps_one_row_and_counts(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "state.sqlite3")
    run, _ = store.start("plan", resume=False)
    store.record(run, "r", 0, "scanned", {"n": 1})
    store.record(run, "r", 0, "scanned", {"n": 2})
    assert store.done(run) == {("r", 0): {"n": 2}}
    assert store.scans(run) == {("r", 0): 2}
