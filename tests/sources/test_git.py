from __future__ import annotations

import random
import subprocess

import pytest

from leakscan.sources.git.repo import BlobReader, Unreadable, open_repository, resolve_ref, staged_blobs, tip_revisions
from leakscan.sources.git.safe import GitError

from ..gitrepo import GitRepo


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
