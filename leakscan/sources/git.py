"""Git repositories as sources: which blobs to scan, and their contents streamed.

Enumeration uses plumbing (`rev-list --objects`, `diff --cached --raw`,
`ls-files -s`) so each unique blob is listed once however many commits share
it; contents come from one persistent `git cat-file --batch` process per
reader. GitPython opens and validates the repository and reads its refs
without running git. Every git process goes through `GitRunner` (see gitsafe).
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence, Union

import git as gitpython

from leakscan.model import ScanError
from leakscan.sources.gitsafe import GitError, GitRunner

GITLINK_MODE = "160000"  # a submodule's commit, not a blob of this repository
_DISCARD_CHUNK = 1 << 20


@dataclass(frozen=True)
class BlobRef:
    sha: str
    path: str  # one path the blob is reachable at, relative to the repository root


@dataclass(frozen=True)
class MissingBlob:
    """Named by a tree but absent from the object store (partial clone, corruption)."""

    sha: str


@dataclass(frozen=True)
class Repository:
    runner: GitRunner
    handle: gitpython.Repo  # GitPython: refs and HEAD, read without running git

    @property
    def root(self) -> str:
        return self.runner.cwd


def open_repository(path: str) -> Repository:
    """The repository at or above `path`; GitError when there is none."""
    try:
        handle = gitpython.Repo(path, search_parent_directories=True)
    except gitpython.NoSuchPathError as exc:
        raise GitError(f"{path}: no such directory") from exc
    except gitpython.InvalidGitRepositoryError as exc:
        raise GitError(f"{path}: not a git repository") from exc
    work_tree = None if handle.bare else os.path.abspath(handle.working_tree_dir or path)
    return Repository(GitRunner(os.path.abspath(handle.git_dir), work_tree), handle)


def tip_revisions(repo: Repository, branches: Sequence[str] = (), all_refs: bool = False) -> list[str]:
    """rev-list arguments naming the history to scan: the given branches, or every branch and tag."""
    if branches:
        return [resolve_ref(repo, name) for name in branches]
    if all_refs:
        return ["--all"]
    revs = ["--branches", "--tags", "--remotes"]
    if repo.handle.head.is_valid():  # a detached HEAD is history too
        revs.append("HEAD")
    return revs


def resolve_ref(repo: Repository, name: str) -> str:
    """A branch, remote branch or tag by name (full ref name back); else any commit-ish git accepts."""
    for ref in repo.handle.refs:
        if name in (ref.path, ref.name):
            return ref.path
    return resolve_commit(repo.runner, name)


def resolve_commit(runner: GitRunner, rev: str) -> str:
    out = runner.run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], check=False)
    sha = out.decode("ascii", "replace").strip()
    if not sha:
        raise GitError(f"unknown revision or not a commit: {rev}")
    return sha


# ---- enumeration -------------------------------------------------------------

def iter_history(runner: GitRunner, revs: Sequence[str]) -> Iterator[Union[BlobRef, MissingBlob, ScanError]]:
    """Every unique blob reachable from `revs`, streamed as rev-list finds them.

    A failure part-way (a corrupt tree, say) ends the stream with a ScanError;
    what was listed before it is still scanned.
    """
    # --missing=print lists absent objects instead of failing (and never fetches them).
    args = ["rev-list", "--objects", "--missing=print", "--filter=object:type=blob"]
    with tempfile.TemporaryFile() as err:
        proc = runner.popen(args + list(revs) + ["--"], stderr=err)
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                item = _parse_rev_list_line(line)
                if item is not None:
                    yield item
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            err.seek(0)
            message = err.read().decode("utf-8", "replace").strip() or f"exit status {code}"
            yield ScanError(runner.cwd, f"git history listing stopped early: {message}")


def _parse_rev_list_line(line: bytes) -> Union[BlobRef, MissingBlob, None]:
    line = line.rstrip(b"\n")
    if line.startswith(b"?"):
        return MissingBlob(line[1:].decode("ascii", "replace"))
    sha, sep, path = line.partition(b" ")
    if not sep:  # a commit (type filters keep the tips), not a blob
        return None
    return BlobRef(sha.decode("ascii"), path.decode("utf-8", "replace"))


def staged_blobs(runner: GitRunner, paths: Sequence[str] = ()) -> list[BlobRef]:
    """Index content to scan: the given paths as staged, or every file changed against HEAD."""
    if paths:
        out = runner.run(["ls-files", "--stage", "-z", "--"] + [_repo_relative(runner, p) for p in paths])
        return _parse_ls_files(out)
    out = runner.run(["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff",
                      "--no-textconv", "--diff-filter=ACMT", "--ignore-submodules"])
    return [BlobRef(sha, path) for sha, path, mode in _parse_raw_pairs(out) if mode != GITLINK_MODE]


def _repo_relative(runner: GitRunner, path: str) -> str:
    """pre-commit passes paths relative to the repository root, users may pass them relative to cwd."""
    if runner.work_tree and os.path.isabs(path):
        return os.path.relpath(path, runner.work_tree)
    return path


def _parse_ls_files(out: bytes) -> list[BlobRef]:
    found = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, sha, stage = meta.decode("ascii").split(" ")
        if stage == "0" and mode != GITLINK_MODE:  # unmerged entries have no single staged content
            found.append(BlobRef(sha, path.decode("utf-8", "replace")))
    return found


def _parse_raw_pairs(out: bytes) -> Iterator[tuple[str, str, str]]:
    """(new blob, path, new mode) from `--raw -z` output of diff between two trees or the index."""
    tokens = out.split(b"\0")
    for meta, path in zip(tokens[0::2], tokens[1::2]):
        fields = meta.lstrip(b":").decode("ascii").split(" ")
        if len(fields) >= 5:
            yield fields[3], path.decode("utf-8", "replace"), fields[1]


# ---- contents ---------------------------------------------------------------

@dataclass(frozen=True)
class Unreadable:
    """Why a listed blob gave no content to scan."""

    message: str


class BlobReader:
    """One persistent `git cat-file --batch`: send object ids, stream their contents back.

    cat-file flushes after every object, so a batch of ids is written first and
    the answers read after; batches stay well under a pipe buffer (16 KiB on
    macOS) so neither side can block the other.
    """

    MAX_BATCH = 256  # 41 bytes an id: 10.5 KB a batch

    def __init__(self, runner: GitRunner) -> None:
        self.runner = runner
        self._proc: Optional[subprocess.Popen] = None
        self._err = None

    def _start(self) -> subprocess.Popen:
        if self._proc is None:
            self._err = tempfile.TemporaryFile()
            self._proc = self.runner.popen(["cat-file", "--batch"], stderr=self._err, stdin=subprocess.PIPE)
        return self._proc

    def read(self, shas: Sequence[str], max_size: int) -> Iterator[tuple[str, Union[bytes, Unreadable]]]:
        """Each id with its content, or why there is none. Survives cat-file dying on a corrupt object."""
        pending = list(shas)
        while pending:
            batch, pending = pending[: self.MAX_BATCH], pending[self.MAX_BATCH:]
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write("".join(f"{sha}\n" for sha in batch).encode("ascii"))
                proc.stdin.flush()
            except BrokenPipeError:
                pass  # the answers loop below sees the end of output and restarts
            for index, sha in enumerate(batch):
                answer = self._answer(proc, sha, max_size)
                if answer is None:  # cat-file died on this object: report it, restart for the rest
                    yield sha, Unreadable(f"cannot read object {sha}: {self._died()}")
                    pending = batch[index + 1:] + pending
                    break
                yield sha, answer

    def _answer(self, proc: subprocess.Popen, sha: str, max_size: int) -> Union[bytes, Unreadable, None]:
        stdout = proc.stdout
        assert stdout is not None
        header = stdout.readline()
        if not header.endswith(b"\n"):
            return None
        fields = header.split()
        if len(fields) != 3:  # "<sha> missing" or "<sha> ambiguous"
            return Unreadable(f"missing object {sha} (partial clone or corrupt repository): not scanned")
        size = int(fields[2])
        if fields[1] != b"blob" or size > max_size:
            _discard(stdout, size + 1)
            if fields[1] != b"blob":
                return Unreadable(f"object {sha} is a {fields[1].decode('ascii', 'replace')}, not a blob")
            return Unreadable(f"skipped: {size} bytes is over the size limit of {max_size} bytes (--max-file-size)")
        data = stdout.read(size + 1)
        if len(data) != size + 1:
            return None
        return data[:-1]

    def _died(self) -> str:
        message = "git cat-file stopped"
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
        if self._err is not None:
            self._err.seek(0)
            text = self._err.read().decode("utf-8", "replace").strip()
            message = text.splitlines()[-1] if text else message
            self._err.close()
        self._proc = self._err = None
        return message

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin:
                    proc.stdin.close()
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
        if self._err is not None:
            self._err.close()
            self._err = None


def _discard(stream, count: int) -> None:
    """Read and drop `count` bytes without holding them: huge blobs stay out of memory."""
    while count > 0:
        got = stream.read(min(count, _DISCARD_CHUNK))
        if not got:
            return
        count -= len(got)


def unique(refs: Iterable[BlobRef]) -> list[BlobRef]:
    """First occurrence of every (blob, path)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for ref in refs:
        key = (ref.sha, ref.path)
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return out
