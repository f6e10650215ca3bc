"""Loose objects read without git (sources/git/loose.py), and BlobReader falling back to cat-file."""
from __future__ import annotations

import os
import zlib

from leakscan.sources.git.loose import loose_objects_dir, read_loose_blob
from leakscan.sources.git.repo import BlobReader, Unreadable, open_repository
from leakscan.sources.git.safe import GitRunner

from ..gitrepo import GitRepo


def _staged(tmp_path, files: dict[str, str]) -> tuple[GitRepo, dict[str, str]]:
    repo = GitRepo(tmp_path / "r")
    for name, text in files.items():
        repo.write(name, text)
    repo.git("add", *files)
    return repo, {name: repo.blob(f":{name}") for name in files}


def test_a_staged_blob_is_read_loose_as_git_has_it(tmp_path):
    text = "".join(f"line {i}: café\n" for i in range(3000))
    repo, shas = _staged(tmp_path, {"a.txt": text})
    objects = loose_objects_dir(open_repository(str(repo.path)).runner)
    assert objects == str(repo.path / ".git" / "objects")
    assert read_loose_blob(objects, shas["a.txt"], 1 << 20) == text.encode()
    assert read_loose_blob(objects, shas["a.txt"], 100) == len(text.encode())  # over the limit: its size only


def test_a_linked_worktrees_staged_blob_is_read_from_the_repositorys_objects(tmp_path):
    repo, _ = _staged(tmp_path, {"a.txt": "alpha\n"})
    repo.git("commit", "-q", "-m", "one")
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", str(linked))
    text = "staged in the linked worktree\n"
    (linked / "b.txt").write_text(text, encoding="utf-8")
    repo.git("-C", str(linked), "add", "b.txt")
    sha = repo.git("-C", str(linked), "rev-parse", ":b.txt").strip()
    objects = loose_objects_dir(open_repository(str(linked)).runner)
    assert objects == str(repo.path / ".git" / "objects")  # not .git/worktrees/linked/objects
    assert read_loose_blob(objects, sha, 1 << 20) == text.encode()


def test_what_is_not_a_verified_loose_blob_is_left_to_git(tmp_path):
    repo, shas = _staged(tmp_path, {"a.txt": "alpha\n", "b.txt": "beta\n"})
    objects = str(repo.path / ".git" / "objects")
    assert read_loose_blob(objects, "0" * 40, 1 << 20) is None  # absent
    assert read_loose_blob(objects, "../../etc/passwd", 1 << 20) is None  # not an object id
    tree = repo.git("write-tree").strip()
    assert read_loose_blob(objects, tree, 1 << 20) is None  # a tree, not a blob
    # b's object file holding a's (valid) content: the hash does not match its name.
    target = repo.loose_object(shas["b.txt"])
    target.chmod(0o644)
    target.write_bytes(repo.loose_object(shas["a.txt"]).read_bytes())
    assert read_loose_blob(objects, shas["b.txt"], 1 << 20) is None
    target.write_bytes(zlib.compress(b"blob 5\0beta\n"))
    assert read_loose_blob(objects, shas["b.txt"], 1 << 20) == b"beta\n"  # as git wrote it
    target.write_bytes(zlib.compress(b"blob 5\0beta\n") + b"junk")  # bytes after the object
    assert read_loose_blob(objects, shas["b.txt"], 1 << 20) is None
    target.write_bytes(zlib.compress(b"blob 4\0beta\n"))  # one byte more than its header says
    assert read_loose_blob(objects, shas["b.txt"], 1 << 20) is None
    target.unlink()
    os.mkfifo(target)  # never opened for reading as a file: no hang
    assert read_loose_blob(objects, shas["b.txt"], 1 << 20) is None


def test_the_reader_reads_loose_blobs_then_hands_the_rest_to_cat_file(tmp_path):
    repo, shas = _staged(tmp_path, {"a.txt": "alpha\n", "big.txt": "x" * 5000})
    repo.git("commit", "-qm", "base")
    repo.git("gc", "-q")  # packed: only cat-file has them
    packed = repo.blob("HEAD:a.txt")
    repo.write("c.txt", "gamma\n")
    repo.git("add", "c.txt")
    loose = repo.blob(":c.txt")
    reader = BlobReader(open_repository(str(repo.path)).runner, loose=True)
    try:
        got = list(reader.read([loose, shas["big.txt"], packed], max_size=1000))
        assert reader._proc is not None  # started for the packed ones
    finally:
        reader.close()
    assert got[0] == (loose, b"gamma\n") and got[2] == (packed, b"alpha\n")
    assert isinstance(got[1][1], Unreadable) and "5000 bytes is over the size limit" in got[1][1].message


def test_a_reader_of_loose_blobs_alone_starts_no_git_process(tmp_path):
    repo, shas = _staged(tmp_path, {"a.txt": "alpha\n", "b.txt": "x" * 5000})
    reader = BlobReader(open_repository(str(repo.path)).runner, loose=True)
    got = list(reader.read([shas["a.txt"], shas["b.txt"]], max_size=1000))
    assert reader._proc is None
    assert got[0] == (shas["a.txt"], b"alpha\n")
    assert isinstance(got[1][1], Unreadable) and "5000 bytes is over the size limit of 1000" in got[1][1].message


def test_an_object_directory_redirected_by_the_environment_is_left_to_git(tmp_path):
    runner = GitRunner(str(tmp_path / ".git"), str(tmp_path), env={"GIT_QUARANTINE_PATH": str(tmp_path / "q")})
    assert loose_objects_dir(runner) is None
