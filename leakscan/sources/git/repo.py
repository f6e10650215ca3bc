"""Git repositories as sources: the repository, the staged blobs, and blob contents streamed.

The repository is found and its refs read with plumbing (`rev-parse`,
`for-each-ref`), like everything else: no git library is imported, so a
pre-commit run does not pay for one. The index is listed with plumbing (`diff --cached --raw`,
`ls-files -s`); history is walked in gitlog.py. Contents come from one
persistent `git cat-file --batch` process per reader (a hook's just-staged
blobs, loose objects, are read without one: loose.py). Every git process goes
through `GitRunner` (see gitsafe).
"""
from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from leakscan.sources.git.log import GITLINK_MODE
from leakscan.sources.git.loose import loose_objects_dir, read_loose_blob
from leakscan.sources.git.safe import SAFE_CONFIG, GitError, GitRunner, git_executable, safe_env

_DISCARD_CHUNK = 1 << 20


@dataclass(frozen=True)
class BlobRef:
    """A blob and the path it is at."""

    sha: str
    path: str  # relative to the repository root


@dataclass(frozen=True)
class Repository:
    """A git repository, reached only through its safe git runner."""

    runner: GitRunner


def open_repository(path: str) -> Repository:
    """The repository at or above `path`; GitError when there is none."""
    if not os.path.isdir(path):
        raise GitError(f"{path}: no such directory")
    # One git process in a work tree (a hook's case); git refuses --show-toplevel in a bare
    # repository and inside .git, which then take the two steps below.
    lines = _rev_parse(path, "--is-bare-repository", "--absolute-git-dir", "--show-toplevel")
    if lines is not None and len(lines) == 3 and lines[0] == "false":
        return Repository(GitRunner(lines[1], lines[2]))
    lines = _rev_parse(path, "--is-bare-repository", "--absolute-git-dir")
    if lines is None or len(lines) != 2:
        raise GitError(f"{path}: not a git repository")
    bare, git_dir = lines[0] == "true", lines[1]
    work_tree = None
    if not bare:
        top = _rev_parse(path, "--show-toplevel")  # fails inside the .git directory itself
        work_tree = top[0] if top else os.path.dirname(git_dir)
    return Repository(GitRunner(git_dir, work_tree))


def _rev_parse(path: str, *args: str) -> list[str] | None:
    """`git rev-parse ARGS` run from `path` (git finds the repository above it), with the
    repository's config defused as for every other git process; None when git refuses."""
    argv = [git_executable(), "--no-pager", "-C", path]
    for setting in (*SAFE_CONFIG, "safe.directory=*"):  # the checkout may belong to another user (CI)
        argv += ["-c", setting]
    proc = subprocess.run([*argv, "rev-parse", *args], capture_output=True, env=safe_env(), check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "surrogateescape").splitlines()


def tip_revisions(repo: Repository, branches: Sequence[str] = (), all_refs: bool = False) -> list[str]:
    """Revisions naming the history to scan: the given branches, or every branch and tag."""
    if branches:
        return [resolve_ref(repo, name) for name in branches]
    if all_refs:
        return ["--all"]
    revs = ["--branches", "--tags", "--remotes"]
    if head_is_valid(repo.runner):  # a detached HEAD is history too
        revs.append("HEAD")
    return revs


def head_is_valid(runner: GitRunner) -> bool:
    """HEAD names a commit (not an unborn branch)."""
    return bool(runner.run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], check=False).strip())


def resolve_ref(repo: Repository, name: str) -> str:
    """A branch, remote branch or tag by name (full ref name back); else any commit-ish git accepts."""
    refs = repo.runner.run(["for-each-ref", "--format=%(refname)", "refs/heads", "refs/tags", "refs/remotes"])
    for ref in refs.decode("utf-8", "surrogateescape").splitlines():
        if name in (ref, _short_name(ref)):
            return ref
    return resolve_commit(repo.runner, name)


def _short_name(ref: str) -> str:
    """A ref as it is usually named: `main`, `v1.0`, `origin/main`."""
    for prefix in ("refs/heads/", "refs/tags/", "refs/remotes/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def resolve_commit(runner: GitRunner, rev: str) -> str:
    out = runner.run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], check=False)
    sha = out.decode("ascii", "replace").strip()
    if not sha:
        raise GitError(f"unknown revision or not a commit: {rev}")
    return sha


def file_at(runner: GitRunner, rev: str, path: str) -> bytes | None:
    """The content of `path` (relative to the root) as commit `rev` has it; None if it has none.

    One git process: `cat-file --batch` answers `<sha> <type> <size>` and the content, or
    `<name> missing` (a name on its input line cannot be taken for an option, either)."""
    name = os.fsencode(f"{rev}:{path}")
    if b"\n" in name:  # one object name per input line: such a name cannot be asked for
        return None
    out = runner.run(["cat-file", "--batch"], stdin=name + b"\n", check=False)
    header, _, content = out.partition(b"\n")
    sha, kind, size = (header.split(b" ") + [b"", b""])[:3]
    if kind != b"blob" or not size.isdigit() or len(sha) not in (40, 64) or sha.strip(b"0123456789abcdef"):
        return None
    return content[:int(size)]


# ---- the index ---------------------------------------------------------------

def staged_blobs(runner: GitRunner, paths: Sequence[str] = ()) -> list[BlobRef]:
    """Index content to scan: the given paths as staged, or every file changed against HEAD."""
    if paths:  # relative to the root of the work tree
        return _parse_ls_files(runner.run(["ls-files", "--stage", "-z", "--", *paths]))
    out = runner.run(["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff",
                      "--no-textconv", "--diff-filter=ACMT", "--ignore-submodules"])
    return [BlobRef(sha, path) for sha, path, mode in _parse_raw_pairs(out) if mode != GITLINK_MODE]


def tree_blobs(runner: GitRunner, rev: str) -> list[BlobRef]:
    """The files of a commit's tree (no submodules), read from objects: a bare repository has them too."""
    found = []
    for record in runner.run(["ls-tree", "-r", "-z", "--full-tree", "--end-of-options", rev]).split(b"\0"):
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.decode("ascii").split(" ") if meta else ("", "", "")
        if kind == "blob" and mode != GITLINK_MODE:
            found.append(BlobRef(sha, path.decode("utf-8", "replace")))
    return found


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
    for meta, path in zip(tokens[0::2], tokens[1::2], strict=False):
        fields = meta.lstrip(b":").decode("ascii").split(" ")
        if len(fields) >= 5:
            yield fields[3], path.decode("utf-8", "replace"), fields[1]


# ---- contents ---------------------------------------------------------------

@dataclass(frozen=True)
class Unreadable:
    """Why a listed blob gave no content to scan."""

    message: str


NOT_A_BLOB = Unreadable("")  # not an error: skipped silently


class BlobReader:
    """One persistent `git cat-file --batch`: send object ids, stream their contents back.

    A helper thread writes the ids while this one reads the answers, so neither
    side can block the other however many ids a call asks for.
    """

    PIPE_SIZE = 1 << 20  # Linux: let cat-file run ahead of the scanner by up to 1 MiB
    # Each scan worker runs its own cat-file. git's default delta cache is 96 MB; on rails/rails
    # a whole-history scan took as long with 32 MB (the 96 MB one holds 60 MB more per process);
    # below that it slows: 3% at 24 MB, 7% at 16 MB.
    CONFIG = ("core.deltaBaseCacheLimit=32m",)

    def __init__(self, runner: GitRunner, loose: bool = False) -> None:
        """`loose`: read loose objects from the object directory first (sources/git/loose.py), as
        a hook's just-staged blobs are: no cat-file process for them (issue 20.3)."""
        self.runner = runner
        self._loose = loose_objects_dir(runner) if loose else None
        self._proc: subprocess.Popen[bytes] | None = None
        self._err: IO[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            import tempfile  # only a reader that starts cat-file needs it

            # Open for the process's whole life, so no `with`: close() and _died() close it.
            self._err = tempfile.TemporaryFile()  # noqa: SIM115
            self._proc = self.runner.popen(["cat-file", "--batch"], stderr=self._err, stdin=subprocess.PIPE,
                                           config=self.CONFIG)
            assert self._proc.stdout is not None  # popen pipes stdout by default
            _grow_pipe(self._proc.stdout, self.PIPE_SIZE)
        return self._proc

    def read(self, shas: Sequence[str], max_size: int) -> Iterator[tuple[str, bytes | Unreadable]]:
        """Each id with its content, or why there is none. Survives cat-file dying on a corrupt object."""
        index = 0
        while self._loose is not None and index < len(shas):  # until one is not loose: cat-file reads the rest
            loose = read_loose_blob(self._loose, shas[index], max_size)
            if loose is None:
                break
            yield shas[index], loose if isinstance(loose, bytes) else _oversized(loose, max_size)
            index += 1
        while index < len(shas):
            proc = self._start()
            writer = threading.Thread(target=_send, args=(proc, shas[index:]), daemon=True)
            writer.start()
            for sha in shas[index:]:
                index += 1
                answer = self._answer(proc, sha, max_size)
                if answer is None:  # cat-file died on this object: report it, restart for the rest
                    yield sha, Unreadable(f"cannot read object {sha}: {self._died()}")
                    break
                yield sha, answer
            writer.join()

    def _answer(self, proc: subprocess.Popen[bytes], sha: str, max_size: int) -> bytes | Unreadable | None:
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
            if fields[1] != b"blob":  # rev-list lists annotated tags (named) among the blobs
                return NOT_A_BLOB
            return _oversized(size, max_size)
        data = stdout.read(size)  # then the newline on its own: slicing it off would copy the blob
        if len(data) != size or stdout.read(1) != b"\n":
            return None
        return data

    def _died(self) -> str:
        """Stop the dead (or stuck) process; its last stderr line says why."""
        self._stop(kill=True)
        message = "git cat-file stopped"
        if self._err is not None:
            self._err.seek(0)
            text = self._err.read().decode("utf-8", "replace").strip()
            message = text.splitlines()[-1] if text else message
            self._err.close()
            self._err = None
        return message

    def close(self, kill: bool = False) -> None:
        """Let cat-file finish (its input ends), or with `kill` stop it now."""
        self._stop(kill=kill)
        if self._err is not None:
            self._err.close()
            self._err = None

    def _stop(self, kill: bool) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if kill:
            proc.kill()
        for stream in (proc.stdout, proc.stdin):  # unread output first, so cat-file cannot block on it
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _oversized(size: int, max_size: int) -> Unreadable:
    return Unreadable(f"skipped: {size} bytes is over the size limit of {max_size} bytes (--max-file-size)")


def _send(proc: subprocess.Popen[bytes], shas: Sequence[str]) -> None:
    try:
        assert proc.stdin is not None
        proc.stdin.write("".join(f"{sha}\n" for sha in shas).encode("ascii"))
        proc.stdin.flush()
    except (OSError, ValueError):
        pass  # cat-file died (or was closed): the reader sees its output end and says why


def _grow_pipe(stream: IO[bytes], size: int) -> None:
    """A bigger pipe means fewer wake-ups per blob; best effort, Linux only (F_SETPIPE_SZ)."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), size)
    except (ImportError, OSError, ValueError):
        pass


def _discard(stream: IO[bytes], count: int) -> None:
    """Read and drop `count` bytes without holding them: huge blobs stay out of memory."""
    while count > 0:
        got = stream.read(min(count, _DISCARD_CHUNK))
        if not got:
            return
        count -= len(got)
