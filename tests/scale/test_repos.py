"""`leakscan repos` on generated repositories: one report, statuses, clones, incremental runs, resume."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from leakscan.cli import cli
from tests.conftest import fake_github_token
from tests.processes import wait_for
from tests.scale.fleet import comparable, fingerprints, make_fleet


def repos(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["repos", "--format", "json", "--no-progress", *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_one_report_names_each_repository_with_its_status(tmp_path: Path) -> None:
    paths = make_fleet(tmp_path, 4)
    listed = tmp_path / "list.txt"
    listed.write_text(f"# clones\nfile://{paths[1]}\nfile://{tmp_path}/missing\n")
    report = repos(str(tmp_path / "repos"), "--from", str(listed), "--history", "--state", str(tmp_path / "s.db"),
                   "--work-dir", str(tmp_path / "work"), "-j", "2")
    statuses = {s["repository"]: s for s in report["repositories"]}
    assert [statuses[str(p)]["status"] for p in paths] == ["scanned"] * 4
    missing = statuses[f"file://{tmp_path}/missing"]
    assert missing["status"] == "failed" and "clone failed" in missing["reason"]
    assert [e["path"] for e in report["errors"]] == [f"file://{tmp_path}/missing"]
    clone = statuses[f"file://{paths[1]}"]
    assert clone["status"] == "scanned" and clone["findings"] == statuses[str(paths[1])]["findings"] == 1
    token = fake_github_token(1001)
    found = [f for f in report["findings"] if f["location"]["repository"] == f"file://{paths[1]}"]
    assert [f["location"]["path"] for f in found] == ["config/settings.py"]  # the token, found in history
    assert {f["location"]["repository"] for f in report["findings"]} == {*map(str, paths), f"file://{paths[1]}"} - {
        str(paths[3])}  # repo-003 has no secret
    assert token not in json.dumps(report)
    assert not list((tmp_path / "work").iterdir())  # clones removed


def test_without_history_only_the_tip_is_scanned(tmp_path: Path) -> None:
    paths = make_fleet(tmp_path, 2)
    report = repos(*map(str, paths), "--state", str(tmp_path / "s.db"))
    assert {f["location"]["path"] for f in report["findings"]} <= {"deploy/env.sh"}  # the token was removed
    with_history = repos(*map(str, paths), "--history", "--state", str(tmp_path / "s.db"))
    assert "config/settings.py" in {f["location"]["path"] for f in with_history["findings"]}


def test_incremental_runs_give_the_same_report_and_reuse_stored_findings(tmp_path: Path) -> None:
    paths = [str(p) for p in make_fleet(tmp_path, 3)]
    state = str(tmp_path / "s.db")
    fresh = repos(*paths, "--history", "--no-incremental", "--state", str(tmp_path / "other.db"))
    first = repos(*paths, "--history", "--state", state)
    with sqlite3.connect(state) as db:
        stored = db.execute("SELECT count(*) FROM findings_cache").fetchone()[0]
    assert stored >= 10  # every blob of every history (the same blob at the same path in two repositories: once)
    second = repos(*paths, "--history", "--state", state)
    assert comparable(fresh) == comparable(first) == comparable(second)
    assert fingerprints(second)


def test_git_and_scan_incremental_reports_are_identical(tmp_path: Path) -> None:
    path = str(make_fleet(tmp_path, 1)[0])
    (Path(path) / "local.env").write_text(f"GITHUB_TOKEN={fake_github_token(77)}\n")  # for `scan`: in the tree
    state = str(tmp_path / "s.db")
    for command in (["git", path], ["scan", path]):
        runs = []
        for extra in ([], ["--incremental", "--state", state], ["--incremental", "--state", state]):
            result = CliRunner().invoke(cli, [*command, "--format", "json", "--no-progress", *extra])
            assert result.exit_code == 1, result.output
            runs.append(comparable(json.loads(result.stdout)))
        assert runs[0] == runs[1] == runs[2]
        assert runs[0]["findings"]
    with sqlite3.connect(state) as db:
        keys = [k for (k,) in db.execute("SELECT key FROM findings_cache")]
    assert any(k.startswith("blob:") for k in keys) and any(k.startswith("file:") for k in keys)


def test_an_interrupted_run_resumes_without_scanning_a_repository_twice(tmp_path: Path) -> None:
    paths = [str(p) for p in make_fleet(tmp_path, 24, commits=2)]
    state = tmp_path / "s.db"
    args = [sys.executable, "-m", "leakscan", "repos", *paths, "--history", "--state", str(state), "--format",
            "json", "--no-progress", "-j", "2"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)

    def units_done() -> int:
        if not state.exists():
            return 0
        try:
            with sqlite3.connect(state, timeout=1) as db:
                return int(db.execute("SELECT count(*) FROM units").fetchone()[0])
        except sqlite3.OperationalError:  # the run is creating its tables
            return 0

    try:
        assert wait_for(lambda: units_done() >= 3, timeout=240, poll=0.002)
        os.killpg(proc.pid, signal.SIGKILL)  # no goodbye: the run and its pool, mid-repository
    finally:
        proc.wait(timeout=30)
    with sqlite3.connect(state) as db:
        before = {r for (r,) in db.execute("SELECT repository FROM units")}
    assert 3 <= len(before) < len(paths)
    resumed = repos(*paths, "--history", "--state", str(state), "--resume", "-j", "2")
    reused = {s["repository"] for s in resumed["repositories"] if s["reused"]}
    assert reused == before  # done before the kill: taken from the state, not scanned again
    with sqlite3.connect(state) as db:
        assert {count for (count,) in db.execute("SELECT scans FROM units")} == {1}
        assert db.execute("SELECT count(*) FROM units").fetchone()[0] == len(paths)
    whole = repos(*paths, "--history", "--state", str(tmp_path / "whole.db"))
    assert comparable(resumed) == comparable(whole)
    assert "incomplete" not in resumed["stats"]


def test_a_history_split_into_batches_gives_the_same_report(tmp_path: Path) -> None:
    paths = [str(p) for p in make_fleet(tmp_path, 2, commits=6)]
    whole = repos(*paths, "--history", "--no-incremental", "--state", str(tmp_path / "a.db"))
    split = repos(*paths, "--history", "--no-incremental", "--batches", "3", "--state", str(tmp_path / "b.db"),
                  "-j", "2")
    assert comparable(split) == comparable(whole)
    with sqlite3.connect(tmp_path / "b.db") as db:
        assert db.execute("SELECT count(*) FROM units").fetchone()[0] == 2 * 3


def test_batches_by_size_one_for_a_small_repository(tmp_path: Path) -> None:
    from leakscan.scale.run import RunPlan
    from leakscan.scale.targets import Target

    path = str(make_fleet(tmp_path, 1)[0])
    plan = RunPlan((Target(path, path), Target("url", "https://git.example/a.git")))
    assert [(u.target.name, u.batch, u.batches) for u in plan.units(history=True)] == [(path, 0, 1), ("url", 0, 1)]


def test_new_commits_scan_only_what_they_add_and_report_as_a_full_scan(tmp_path: Path) -> None:
    from tests.gitrepo import GitRepo

    path = make_fleet(tmp_path, 1)[0]
    state = str(tmp_path / "s.db")

    def git_scan(*extra: str) -> dict[str, Any]:
        result = CliRunner().invoke(cli, ["git", str(path), "--format", "json", "--no-progress", *extra])
        assert result.exit_code == 1, result.output
        return comparable(json.loads(result.stdout))

    git_scan("--incremental", "--state", state)
    repo = GitRepo.__new__(GitRepo)  # the existing repository, one more commit
    repo.path, repo.commits = path, 20
    repo.commit("more", {"ci/deploy.yml": f"token: {fake_github_token(4242)}\n"})
    with sqlite3.connect(state) as db:
        before = db.execute("SELECT count(*) FROM findings_cache WHERE key LIKE 'blob:%'").fetchone()[0]
    again = git_scan("--incremental", "--state", state)
    assert again == git_scan()
    assert "ci/deploy.yml" in {f["location"]["path"] for f in again["findings"]}
    with sqlite3.connect(state) as db:
        after = db.execute("SELECT count(*) FROM findings_cache WHERE key LIKE 'blob:%'").fetchone()[0]
    assert after == before + 1  # the one new blob was scanned; the others were read from the store
