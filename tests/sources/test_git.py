from __future__ import annotations

import random
import subprocess

import pytest

from leakscan.sources.git import BlobReader, Unreadable, open_repository, resolve_ref, staged_blobs, tip_revisions
from leakscan.sources.gitlog import Change, commit_info, iter_changes, parse_changes
from leakscan.sources.gitsafe import GitError

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
    assert modified.base == repo.blob(f"{c1}:c.txt") and modified.blob == repo.blob(f"{c2}:c.txt")


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
    commit, blob, odd = "a" * 40, "b" * 40, "dir/\x01odd\nname:with ::colons".encode()
    tokens = [commit.encode(), b"", f":000000 100644 {'0' * 40} {blob} A".encode(), odd,
              b"\n" + ("c" * 40).encode(), b"", f":100644 000000 {blob} {'0' * 40} D".encode(), b":looks-like-meta"]
    got = list(parse_changes(tokens))
    assert [(c.commit, c.path, c.adds_blob) for c in got] == [
        (commit, odd.decode(), True), ("c" * 40, ":looks-like-meta", False)]


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


def test_blob_reader_streams_contents_and_survives_a_corrupt_pack(tmp_path):
    repo = GitRepo(tmp_path / "r")
    rng = random.Random(7)
    texts = {n: "".join(rng.choice("abcdefgh \n") for _ in range(5000)) for n in "abc"}
    repo.commit("files", texts)
    repo.git("gc", "-q")
    shas = [repo.blob(f"HEAD:{n}") for n in "abc"]
    _corrupt_packed(repo, shas[1])
    reader = BlobReader(open_repository(str(repo.path)).runner)
    try:
        got = list(reader.read(shas + ["0" * 40], max_size=1 << 20))
        assert [sha for sha, _ in got] == shas + ["0" * 40]
        assert got[0][1] == texts["a"].encode() and got[2][1] == texts["c"].encode()
        assert isinstance(got[1][1], Unreadable) and "corrupt" in got[1][1].message
        assert isinstance(got[3][1], Unreadable) and "missing" in got[3][1].message
        # The restarted process keeps serving.
        assert list(reader.read(shas[:1], 1 << 20)) == [(shas[0], texts["a"].encode())]
    finally:
        reader.close()


def _corrupt_packed(repo: GitRepo, sha: str) -> None:
    (idx,) = (repo.path / ".git" / "objects" / "pack").glob("*.idx")
    verify = subprocess.run(["git", "verify-pack", "-v", str(idx)], capture_output=True, text=True, check=True)
    offset = next(int(line.split()[4]) for line in verify.stdout.splitlines() if line.startswith(sha))
    pack = idx.with_suffix(".pack")
    pack.chmod(0o644)
    data = bytearray(pack.read_bytes())
    for i in range(offset + 10, offset + 40):
        data[i] ^= 0x55
    pack.write_bytes(bytes(data))


def test_blob_reader_skips_blobs_over_the_size_limit_without_reading_them_whole(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.commit("files", {"big.txt": "x" * 100_000, "small.txt": "ok\n"})
    reader = BlobReader(open_repository(str(repo.path)).runner)
    try:
        got = dict(reader.read([repo.blob("HEAD:big.txt"), repo.blob("HEAD:small.txt")], max_size=1000))
    finally:
        reader.close()
    assert "size limit" in got[repo.blob("HEAD:big.txt")].message
    assert got[repo.blob("HEAD:small.txt")] == b"ok\n"


def test_staged_blobs_are_the_index_versions(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"a.txt": "a\n", "b.txt": "b\n"})
    repo.write("a.txt", "staged\n")
    repo.git("add", "a.txt")
    repo.write("a.txt", "worktree\n")
    runner = open_repository(str(repo.path)).runner
    (staged,) = staged_blobs(runner)
    assert staged.path == "a.txt" and repo.git("cat-file", "blob", staged.sha) == "staged\n"
    assert [b.path for b in staged_blobs(runner, ["b.txt", "not-there.txt"])] == ["b.txt"]


def test_refs_and_revisions_resolve_through_the_repository(tmp_path):
    repo = GitRepo(tmp_path / "r")
    first = repo.commit("one", {"a": "a\n"})
    repo.git("branch", "feature")
    (repo.path / "sub").mkdir()
    handle = open_repository(str(repo.path / "sub"))  # found from a directory inside it
    assert resolve_ref(handle, "feature") == "refs/heads/feature"
    assert resolve_ref(handle, first[:10]) == first
    assert tip_revisions(handle) == ["--branches", "--tags", "--remotes", "HEAD"]
    with pytest.raises(GitError, match="unknown revision"):
        resolve_ref(handle, "no-such-branch")
    with pytest.raises(GitError, match="not a git repository"):
        open_repository(str(tmp_path))


def test_a_walk_file_is_read_while_git_is_still_writing_it(tmp_path):
    """The follower waits for a writer that pauses and reads everything it wrote before exiting."""
    import sys

    from leakscan.sources.gitlog import _follow

    script = "import sys, time\nfor i in range(5):\n    sys.stdout.write('x' * 70000 + str(i)); sys.stdout.flush(); time.sleep(0.05)\n"
    walk = tmp_path / "walk"
    with open(walk, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=out)
    with open(walk, "rb") as reader:
        data = b"".join(_follow(reader, proc))
    assert data == b"".join(b"x" * 70000 + str(i).encode() for i in range(5))


def test_a_walk_stopped_early_stops_git_and_removes_its_file(tmp_path, monkeypatch):
    import tempfile

    repo = GitRepo(tmp_path / "r")
    for n in range(30):
        repo.commit(f"c{n}", {f"f{n}.txt": f"{n}\n"})
    handle = open_repository(str(repo.path))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    walk = iter_changes(handle.runner, tip_revisions(handle))
    next(walk)
    assert [p.name[:13] for p in scratch.iterdir()] == ["leakscan-log-"]
    walk.close()  # git is stopped and reaped before its walk file is removed
    assert list(scratch.iterdir()) == []
