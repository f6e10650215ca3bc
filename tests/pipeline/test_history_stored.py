"""Whole history reports in the store (--incremental): errors that come again are kept, interruptions never."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from leakscan.analyzers import rule_files
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Report
from leakscan.pipeline import history as gitscan
from leakscan.reporters.json_report import report_dict
from leakscan.sources.git.repo import open_repository, tip_revisions
from leakscan.store.findings_cache import SqliteFindingsCache
from tests.conftest import fake_github_token
from tests.gitrepo import GitRepo


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.build(Config(jobs=1))


def _scan(repo: GitRepo | Path, engine: Engine, cache: SqliteFindingsCache) -> Report:
    opened = open_repository(str(repo.path if isinstance(repo, GitRepo) else repo))
    return gitscan.scan_history(opened, tip_revisions(opened, ()), engine, cache=cache)


def _comparable(report: Report) -> tuple[object, ...]:
    return report.findings, report.errors, report.stats.files, report.stats.bytes, report.stats.errors


def _walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts history walks (a stored report is returned without one)."""
    walks: list[int] = []
    real = gitscan.iter_changes

    def counted(*args: Any, **kwargs: Any) -> Any:
        walks.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(gitscan, "iter_changes", counted)
    return walks


def _history_missing_a_blob(root: Path) -> tuple[GitRepo, str]:
    repo = GitRepo(root)
    lost = repo.commit("data", {"data/lost.txt": "this blob will vanish\n"})
    repo.commit("secret", {"app.cfg": f"token = {fake_github_token(41)}\n"})
    missing = repo.blob(f"{lost}:data/lost.txt")
    repo.loose_object(missing).unlink()  # the repository lacks it for good: the error comes every time
    return repo, missing


def test_a_report_with_an_error_that_comes_again_is_stored_whole(
        tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, missing = _history_missing_a_blob(tmp_path / "r")
    cache = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules")
    walks = _walks(monkeypatch)
    first = _scan(repo, engine, cache)
    (error,) = first.errors
    assert missing in error.message and first.stats.errors == 1 and len(first.findings) == 1
    again = _scan(repo, engine, cache)
    assert walks == [1]  # the unchanged history was not walked again
    assert _comparable(again) == _comparable(first)  # its error too
    assert fake_github_token(41) not in (tmp_path / "state.sqlite3").read_bytes().decode("latin-1")


def test_a_report_with_an_error_that_may_not_come_again_is_not_stored(
        tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("secret", {"app.cfg": f"token = {fake_github_token(42)}\n", "b.txt": "b\n"})
    cache = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules")
    real_kind = rule_files.rule_file_kind  # (history imports it when a blob gets that far)

    def failing(path: str, *args: Any) -> str | None:
        if path == "app.cfg":
            raise MemoryError("out of memory")  # a scan that raised: maybe not next time
        return real_kind(path, *args)

    monkeypatch.setattr(rule_files, "rule_file_kind", failing)
    failed = _scan(repo, engine, cache)
    assert [e.message.split(":")[0] for e in failed.errors] == ["scan failed"] and failed.findings == ()
    monkeypatch.setattr(rule_files, "rule_file_kind", real_kind)
    walks = _walks(monkeypatch)
    again = _scan(repo, engine, cache)
    assert walks == [1] and again.errors == () and len(again.findings) == 1


def test_an_interrupted_scan_is_not_stored(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("secret", {"app.cfg": f"token = {fake_github_token(43)}\n"})
    cache = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules")

    def interrupted(self: gitscan.BlobScanner, batch: object) -> gitscan.BatchResult:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(gitscan.BlobScanner, "scan", interrupted)
        stopped = _scan(repo, engine, cache)
    assert stopped.stats.incomplete and stopped.findings == ()
    complete = _scan(repo, engine, cache)
    assert not complete.stats.incomplete and complete.errors == () and len(complete.findings) == 1


def _walked_revs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The revisions each history walk was given."""
    walked: list[list[str]] = []
    real = gitscan.iter_changes

    def recorded(runner: Any, revs: Any) -> Any:
        walked.append(list(revs))
        return real(runner, revs)

    monkeypatch.setattr(gitscan, "iter_changes", recorded)
    return walked


def _as_json(report: Report) -> dict[str, Any]:
    data = report_dict(report)
    data["stats"].pop("seconds")
    return data


def _grown_history(root: Path) -> GitRepo:
    repo = GitRepo(root)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:  # an archive's members are scanned, and stored, too
        archive.writestr("conf/app.env", f"GH={fake_github_token(47)}\n")
    (root / "dist").mkdir(parents=True)
    (root / "dist" / "app.zip").write_bytes(packed.getvalue())
    repo.commit("start", {"settings.py": f"TOKEN = '{fake_github_token(44)}'\n",
                          "old.env": f"K={fake_github_token(45)}\n", "README.md": "hello\n"})
    repo.commit("drop old.env", {"old.env": None, "README.md": "hello\nworld\n"})
    return repo


def _grow(repo: GitRepo) -> None:
    """Commits that lean on what the earlier walk saw: a blob it saw added again at another path
    (also_at), a path it saw deleted added back (compared with its last version), a new token."""
    repo.commit("copy", {"copy/old.env": f"K={fake_github_token(45)}\n"})
    repo.commit("back", {"old.env": f"K={fake_github_token(45)}\nmore = 1\n"})
    repo.commit("new", {"new.cfg": f"token = {fake_github_token(46)}\n", "README.md": "hello\n"})


def _scanned_then_grown(tmp_path: Path, engine: Engine) -> tuple[GitRepo, SqliteFindingsCache, str]:
    """A history scanned into a store, then grown by a few commits: the repository, the store, the old tip."""
    repo = _grown_history(tmp_path / "r")
    cache = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules")
    _scan(repo, engine, cache)
    tip = repo.head()
    _grow(repo)
    return repo, cache, tip


def test_after_new_commits_only_they_are_walked_and_the_report_is_a_full_scans(
        tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, cache, tip = _scanned_then_grown(tmp_path, engine)
    walked = _walked_revs(monkeypatch)
    grown = _scan(repo, engine, cache)
    assert walked == [["--branches", "--tags", "--remotes", "HEAD", f"^{tip}"]]  # the new commits only
    full = _scan(repo, engine, SqliteFindingsCache(tmp_path / "other.sqlite3", "rules"))
    assert _as_json(grown) == _as_json(full)
    assert len(grown.findings) == 4 and [f.also_at for f in grown.findings if f.location.path == "old.env"] == [
        (f"copy/old.env@{repo.git('rev-parse', 'HEAD~2').strip()[:12]}",)]


def test_a_rewritten_history_is_walked_whole(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _grown_history(tmp_path / "r")
    cache = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules")
    _scan(repo, engine, cache)
    repo.git("reset", "-q", "--hard", "HEAD~1")  # the last commit is gone (a force push)
    _grow(repo)
    walked = _walked_revs(monkeypatch)
    rewritten = _scan(repo, engine, cache)
    assert walked == [["--branches", "--tags", "--remotes", "HEAD"]]
    full = _scan(repo, engine, SqliteFindingsCache(tmp_path / "other.sqlite3", "rules"))
    assert _as_json(rewritten) == _as_json(full)  # every blob of the old commits read from the store
    assert any(f.location.path == "dist/app.zip!/conf/app.env" for f in rewritten.findings)


def test_a_clone_elsewhere_goes_on_from_the_state_of_the_history_it_copies(
        tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """leakscan repos clones into a new directory each run: the walk state is found all the same."""
    repo, cache, tip = _scanned_then_grown(tmp_path, engine)
    repo.git("clone", "-q", "--bare", str(repo.path), str(tmp_path / "clone.git"))
    walked = _walked_revs(monkeypatch)
    grown = _scan(tmp_path / "clone.git", engine, cache)
    assert walked == [["--branches", "--tags", "--remotes", "HEAD", f"^{tip}"]]
    assert _as_json(grown) == _as_json(_scan(repo, engine, SqliteFindingsCache(tmp_path / "other.sqlite3", "rules")))
