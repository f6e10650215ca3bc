"""History as a stream of changes: each commit's tree diff, oldest commit first.

Every blob of a history enters it in some commit's tree diff (a root commit
adds its whole tree, a merge shows the paths where its result differs from
every parent), so walking the raw diffs oldest first lists each blob with the
commit that introduced it, and each file's versions in order. Only tree diffs
are read: no patches, so no diff driver, textconv or blob content is ever
involved, and missing blobs do not stop the walk.

`git rev-list --reverse` lists the commits; `git diff-tree --stdin` diffs them
in slices of up to COMMITS_PER_PROCESS, one process after another. One `git log
--raw --reverse` does the same work, but keeps every commit and tree it has
parsed until it exits: 120 MB on rails/rails, where a slice's process holds
30 MB. Each slice is written to a file, so git exits as soon as it is done
whatever the scan's pace, and a slice that fails (a missing tree) is walked
again in halves, so one bad commit costs only its own changes.

The stream is parsed as NUL-separated tokens (`-z`): a path may hold any byte
but NUL, so no other separator is safe. Author names are looked up afterwards,
only for the commits that matter.
"""
from __future__ import annotations

import os
import queue
import re
import tempfile
import threading
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import count, islice
from typing import IO

from leakscan.model import ScanError
from leakscan.sources.git.safe import GitError, GitRunner, input_file, wait_process

GITLINK_MODE = "160000"  # a submodule's commit, not a blob of this repository
_REV_LIST = ["rev-list", "--reverse"]
_DIFF_TREE = ["diff-tree", "--stdin", "-r", "--raw", "-z", "--no-abbrev", "--no-renames", "--root", "-c",
              "--no-ext-diff", "--no-textconv", "--no-color"]
COMMITS_PER_PROCESS = 10_000
FIRST_SLICE = 250  # the first slices are small, so scanning starts early; each next one is twice as large
MAX_WALK_ERRORS = 50  # past this many unreadable commits, a failing slice is reported whole, not halved
_COMMIT = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_READ = 1 << 16
# Tree deltas are small: a 16 MB delta cache walks rails/rails as fast as the default 96 MB one.
# Large pack windows (not the capped ones of the long-lived processes; valid on 32-bit too):
# remapping windows cost the walk 1.4 s of system time on rails, and its processes are gone
# before the scan's memory peak, which comes at the end.
_LOG_CONFIG = ("core.deltaBaseCacheLimit=16m", "core.packedGitWindowSize=256m", "core.packedGitLimit=1g")


@dataclass(frozen=True)
class Change:
    """One path a commit's diff shows: the blob it now holds and the blobs it held before."""

    commit: str
    path: str
    blob: str
    before: tuple[str, ...]
    mode: str

    @property
    def adds_blob(self) -> bool:
        return self.blob not in self.before and not _is_null(self.blob) and self.mode != GITLINK_MODE

    @property
    def bases(self) -> tuple[str, ...]:
        """Every parent's version at this path, first parent first (a merge has several)."""
        before = self.before
        if len(before) == 1:  # one parent, as most commits have
            return () if _is_null(before[0]) else before
        return tuple(dict.fromkeys(b for b in before if not _is_null(b)))


def _is_null(sha: str) -> bool:
    """The all-zero id git shows for "no object" (a path added or deleted)."""
    return not sha.strip("0")


@dataclass(frozen=True)
class CommitInfo:
    """A commit as a finding names it: id, author date, author and e-mail."""

    sha: str
    date: str  # author date, strict ISO 8601 with the author's offset
    author: str
    email: str


def iter_changes(runner: GitRunner, revs: Sequence[str]) -> Generator[Change | ScanError, None, None]:
    """Every path change in the commits `revs` select, oldest commit first, streamed.

    A commit that cannot be walked (a missing tree, say) is reported as a ScanError
    in its place; the others are walked all the same.
    """
    with tempfile.TemporaryDirectory(prefix="leakscan-log-") as tmp:
        try:
            listing = _list_commits(runner, revs, tmp)
        except GitError as exc:
            yield ScanError(runner.cwd, f"git history walk failed: {exc}")
            return
        walked: queue.Queue[str | ScanError | None] = queue.Queue()  # slice files in order, ScanErrors, then None
        stop = threading.Event()
        walker = threading.Thread(target=_walk, args=(runner, listing, tmp, walked, stop), daemon=True)
        walker.start()
        try:
            while (item := walked.get()) is not None:
                if isinstance(item, ScanError):
                    yield item
                    continue
                with open(item, "rb") as reader:
                    yield from parse_changes(_tokens(iter(partial(reader.read, _READ), b"")))
                os.unlink(item)
        finally:
            stop.set()  # the consumer may have stopped early: no more slices
            walker.join()


def _list_commits(runner: GitRunner, revs: Sequence[str], tmp: str) -> str:
    """A file of the selected commits' ids, oldest first, one per line."""
    listing = os.path.join(tmp, "commits")
    with open(listing, "wb") as out, tempfile.TemporaryFile() as err:
        code = wait_process(runner.popen(_REV_LIST + list(revs) + ["--"], stderr=err, stdout=out, config=_LOG_CONFIG))
        if code != 0:
            raise GitError(f"git rev-list: {_message(err, code)}")
    return listing


def _walk(runner: GitRunner, listing: str, tmp: str, walked: queue.Queue[str | ScanError | None],
          stop: threading.Event) -> None:
    """Diff the listed commits slice by slice; put each slice's file (or error) on `walked`."""
    errors = [0]
    try:
        with open(listing, "rb") as commits:
            for index in count():
                piece = list(islice(commits, min(FIRST_SLICE << index, COMMITS_PER_PROCESS)))
                if not piece or stop.is_set():
                    break
                for item in _diff_trees(runner, piece, os.path.join(tmp, f"slice-{index}"), stop, errors):
                    walked.put(item)
    except Exception as exc:  # noqa: BLE001 - reported; the reader must not wait forever
        walked.put(ScanError(runner.cwd, f"git history walk stopped early: {type(exc).__name__}: {exc}"))
    finally:
        walked.put(None)


def _diff_trees(runner: GitRunner, commits: list[bytes], out_path: str, stop: threading.Event,
                errors: list[int]) -> Iterator[str | ScanError]:
    """The file holding these commits' tree diffs; when git fails, the halves' files, down to
    the single commits that cannot be walked, reported as errors."""
    with input_file(b"".join(commits)) as given, open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
        code = wait_process(runner.popen(_DIFF_TREE, stdin=given, stderr=err, stdout=out, config=_LOG_CONFIG), stop)
        message = _message(err, code) if code else ""
    if stop.is_set():  # the scan has stopped (interrupted): the slice is not wanted, whole or not
        os.unlink(out_path)
        return
    if not message:
        yield out_path
        return
    os.unlink(out_path)  # part of it may be written: walked again in halves, never twice
    first, last = commits[0].strip().decode(), commits[-1].strip().decode()
    if len(commits) == 1 or errors[0] >= MAX_WALK_ERRORS or stop.is_set():
        errors[0] += 1
        span = first if len(commits) == 1 else f"{len(commits)} commits from {first} to {last}"
        yield ScanError(runner.cwd, f"git history walk skipped {span}: {message}")
        return
    half = len(commits) // 2
    yield from _diff_trees(runner, commits[:half], out_path + "a", stop, errors)
    yield from _diff_trees(runner, commits[half:], out_path + "b", stop, errors)


def _message(err: IO[bytes], code: int) -> str:
    err.seek(0)
    return err.read().decode("utf-8", "replace").strip() or f"exit status {code}"


def _tokens(chunks: Iterable[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        parts = (pending + chunk).split(b"\0")
        pending = parts.pop()
        yield from parts
    if pending:
        yield pending


def parse_changes(tokens: Iterable[bytes]) -> Iterator[Change]:
    """`<commit>` tokens, each followed by `:<meta>` `<path>` pairs (a path is taken as it comes)."""
    commit = ""
    stream = iter(tokens)
    for token in stream:
        if token[:1] != b":":  # (a path is taken with its meta, so this is a commit or an empty token)
            token = token.lstrip(b"\n")
        if token[:1] == b":":
            path = next(stream, None)
            if path is not None and commit:
                change = _change(commit, token, path)
                if change is not None:
                    yield change
        elif _COMMIT.fullmatch(token):
            commit = token.decode("ascii")


def _change(commit: str, meta: bytes, path: bytes) -> Change | None:
    """`:old new oldsha newsha S` or, for a merge of n parents, n+1 modes, n+1 shas, status."""
    body = meta.lstrip(b":")
    parents = len(meta) - len(body)
    fields = body.decode("ascii", "replace").split(" ")
    if len(fields) < 2 * parents + 3:
        return None
    # fields: the parents' modes, the new mode, the parents' blobs, the new blob, the status
    return Change(commit, path.decode("utf-8", "replace"), fields[2 * parents + 1],
                  tuple(fields[parents + 1:2 * parents + 1]), fields[parents])


def commit_info(runner: GitRunner, shas: Iterable[str]) -> dict[str, CommitInfo]:
    """Author and date of the given commits (names may hold any byte but NUL and newline)."""
    wanted = sorted(set(shas))
    if not wanted:
        return {}
    out = runner.run(["log", "--no-walk=unsorted", "--stdin", "--format=%H%x00%aI%x00%an%x00%ae%x00", "--"],
                     stdin="".join(f"{sha}\n" for sha in wanted).encode("ascii"))
    fields = [f.lstrip(b"\n").decode("utf-8", "replace") for f in out.split(b"\0")]
    found = {}
    for i in range(0, len(fields) - 3, 4):
        info = CommitInfo(*fields[i: i + 4])
        found[info.sha] = info
    return found
