from __future__ import annotations

import subprocess

import pytest

from leakscan.model import ScanError
from leakscan.sources.git import log as gitlog
from leakscan.sources.git.log import Change, commit_info, iter_changes, parse_changes
from leakscan.sources.git.repo import open_repository, tip_revisions

from ..gitrepo import GitRepo


def changes(repo: GitRepo, revs=None) -> list[Change]:
    handle = open_repository(str(repo.path))
    return list(iter_changes(handle.runner, revs or tip_revisions(handle)))


def test_history_walk_lists_changes_oldest_first_on_every_branch(tmp_path):
    repo = GitRepo(tmp_path / "r")
    c1 = repo.commit("one", {"a.txt": "same\n", "dir/b.txt": "same\n", "c.txt": "v1\n"})
    c2 = repo.commit("two", {"c.txt": "v2\n"})
    repo.git("checkout", "-q", "-b", "side")
    c3 = repo.commit("side", {"s.txt": "side\n"})
    repo.git("checkout", "-q", "main")
    c4 = repo.commit("three", {"c.txt": None})
    got = [(c.commit, c.path, c.adds_blob) for c in changes(repo)]
    assert got == [(c1, "a.txt", True), (c1, "c.txt", True), (c1, "dir/b.txt", True), (c2, "c.txt", True),
                   (c3, "s.txt", True), (c4, "c.txt", False)]
    modified = changes(repo)[3]
    assert modified.bases == (repo.blob(f"{c1}:c.txt"),) and modified.blob == repo.blob(f"{c2}:c.txt")


def test_conflict_resolution_is_introduced_by_the_merge(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"f.txt": "base\n"})
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side", {"f.txt": "side\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("main", {"f.txt": "main\n"})
    subprocess.run(["git", "merge", "-q", "side"], cwd=repo.path, capture_output=True)
    merge = repo.commit("merge", {"f.txt": "resolved\n"})
    added = {c.blob: c.commit for c in changes(repo) if c.adds_blob}
    assert added[repo.blob(f"{merge}:f.txt")] == merge
    assert added[repo.blob(f"{side}:f.txt")] == side  # carried into the merge, not added by it


def test_paths_may_hold_any_byte_but_nul():
    commit, blob, odd = "a" * 40, "b" * 40, b"dir/\x01odd\nname:with ::colons"
    tokens = [commit.encode(), b"", f":000000 100644 {'0' * 40} {blob} A".encode(), odd,
              b"\n" + ("c" * 40).encode(), b"", f":100644 000000 {blob} {'0' * 40} D".encode(), b":looks-like-meta"]
    got = list(parse_changes(tokens))
    assert [(c.commit, c.path, c.adds_blob) for c in got] == [
        (commit, odd.decode(), True), ("c" * 40, ":looks-like-meta", False)]


def test_a_merge_change_lists_every_parent_blob_and_a_short_meta_is_skipped():
    commit, one, two, new = "a" * 40, "1" * 40, "2" * 40, "3" * 40
    tokens = [commit.encode(), f"::100644 100644 100644 {one} {two} {new} MM".encode(), b"merged.txt",
              f"::100644 100644 100644 {one} {'0' * 40} {new} MA".encode(), b"half-new.txt",
              f":100644 100644 {one} {new}".encode(), b"short.txt",  # no status: not a change
              f":100644 160000 {one} {new} T".encode(), b"sub"]
    got = {c.path: c for c in parse_changes(tokens)}
    assert set(got) == {"merged.txt", "half-new.txt", "sub"}
    assert (got["merged.txt"].before, got["merged.txt"].bases, got["merged.txt"].blob) == ((one, two), (one, two), new)
    assert got["half-new.txt"].bases == (one,) and got["half-new.txt"].adds_blob
    assert got["sub"].mode == "160000" and not got["sub"].adds_blob  # a submodule's commit is no blob here


def test_commit_info_reads_odd_author_names(tmp_path):
    repo = GitRepo(tmp_path / "r")
    sha = repo.commit("one", {"a": "a\n"}, author="Zoë \x01 O'Neil")
    info = commit_info(open_repository(str(repo.path)).runner, [sha])[sha]
    assert (info.author, info.email, info.date) == ("Zoë \x01 O'Neil", "alice@example.com", "2024-01-02T12:00:00+00:00")


def test_missing_blobs_do_not_stop_the_walk(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.commit("one", {"keep.txt": "k\n", "lost.txt": "l\n"})
    repo.loose_object(repo.blob("HEAD:lost.txt")).unlink()
    assert {c.path for c in changes(repo)} == {"keep.txt", "lost.txt"}


def walk(repo: GitRepo, revs=None) -> list:
    handle = open_repository(str(repo.path))
    return list(iter_changes(handle.runner, revs or tip_revisions(handle)))


def test_a_walk_in_slices_lists_the_same_changes_as_one_walk(tmp_path, monkeypatch):
    repo = GitRepo(tmp_path / "r")
    for n in range(7):
        repo.commit(f"c{n}", {f"f{n % 3}.txt": f"{n}\n", f"d{n}/g.txt": "g\n"})
    repo.git("checkout", "-q", "-b", "side", "HEAD~3")
    repo.commit("side", {"f0.txt": "side\n"})
    whole = walk(repo)
    monkeypatch.setattr(gitlog, "COMMITS_PER_PROCESS", 2)  # four git processes, one after another
    assert walk(repo) == whole and len({c.commit for c in whole}) == 8


@pytest.mark.parametrize("max_errors", [50, 0])
def test_a_commit_with_a_missing_tree_is_reported_and_the_others_are_walked(tmp_path, monkeypatch, max_errors):
    repo = GitRepo(tmp_path / "r")
    commits = [repo.commit(f"c{n}", {f"d{n}/f.txt": f"{n}\n"}) for n in range(9)]
    repo.loose_object(repo.blob(f"{commits[4]}:d4")).unlink()  # only commit 4's diff reads this tree
    monkeypatch.setattr(gitlog, "COMMITS_PER_PROCESS", 4)
    monkeypatch.setattr(gitlog, "MAX_WALK_ERRORS", max_errors)
    got = walk(repo)
    (error,) = [e for e in got if isinstance(e, ScanError)]
    walked = {c.commit for c in got if isinstance(c, Change)}
    if max_errors:  # halved down to the one commit git cannot diff
        assert walked == set(commits) - {commits[4]}
        assert f"skipped {commits[4]}:" in error.message
    else:  # no halving: the slice holding it is reported whole
        assert walked == set(commits) - set(commits[4:8])
        assert f"4 commits from {commits[4]} to {commits[7]}" in error.message


def test_an_unknown_revision_is_reported_not_raised(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.commit("one", {"a.txt": "a\n"})
    (error,) = walk(repo, ["no-such-branch"])
    assert isinstance(error, ScanError) and "rev-list" in error.message


def test_a_walk_stopped_early_stops_git_and_removes_its_files(tmp_path, monkeypatch):
    import tempfile

    repo = GitRepo(tmp_path / "r")
    for n in range(30):
        repo.commit(f"c{n}", {f"f{n}.txt": f"{n}\n"})
    handle = open_repository(str(repo.path))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(gitlog, "COMMITS_PER_PROCESS", 5)
    changes = iter_changes(handle.runner, tip_revisions(handle))
    next(changes)
    assert [p.name[:13] for p in scratch.iterdir()] == ["leakscan-log-"]
    changes.close()  # the walker is stopped and joined before its files are removed
    assert list(scratch.iterdir()) == []
