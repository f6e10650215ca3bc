"""History as a stream of changes: `git log --raw`, oldest commit first.

Every blob of a history enters it in some commit's tree diff (a root commit
adds its whole tree, a merge shows the paths where its result differs from
every parent), so walking the raw diffs oldest first lists each blob with the
commit that introduced it, and each file's versions in order. Only tree diffs
are read: no patches, so no diff driver, textconv or blob content is ever
involved, and missing blobs do not stop the walk.

The stream is parsed as NUL-separated tokens (`-z`): a path may hold any byte
but NUL, so no other separator is safe. Author names are looked up afterwards,
only for the commits that matter.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import IO, Iterable, Iterator, Sequence, Union

from leakscan.model import ScanError
from leakscan.sources.gitsafe import GitRunner

GITLINK_MODE = "160000"  # a submodule's commit, not a blob of this repository
_LOG = ["log", "--raw", "-z", "--no-abbrev", "--no-renames", "--root", "--diff-merges=combined",
        "--no-ext-diff", "--no-textconv", "--no-color", "--format=%H"]
_COMMIT = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_READ = 1 << 16
_POLL = 0.005  # seconds between looks at a walk file git has not written more of yet
# Tree deltas are small: a 16 MB delta cache walks rails/rails as fast as the default
# 96 MB one, and git log holds 70 MB less.
_LOG_CONFIG = ("core.deltaBaseCacheLimit=16m",)


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
    def base(self) -> str | None:
        """The version this change replaced (the first parent's), if the path existed before."""
        for before in self.before:
            if not _is_null(before):
                return before
        return None


def _is_null(sha: str) -> bool:
    """The all-zero id git shows for "no object" (a path added or deleted)."""
    return not sha.strip("0")


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    date: str  # author date, strict ISO 8601 with the author's offset
    author: str
    email: str


def iter_changes(runner: GitRunner, revs: Sequence[str]) -> Iterator[Union[Change, ScanError]]:
    """Every path change in the commits `revs` select, oldest commit first, streamed.

    git writes the walk to a temporary file, read as it grows: with `--reverse`
    git holds every commit of the walk in memory until it exits, so it should
    exit as soon as it can, not when the scan has caught up with it (on
    rails/rails that frees about 100 MB five seconds into a twenty-second scan).
    A failure part-way (a missing tree, say) ends the stream with a ScanError;
    the changes before it are still yielded.
    """
    with tempfile.TemporaryDirectory(prefix="leakscan-log-") as tmp, tempfile.TemporaryFile() as err:
        walk = os.path.join(tmp, "walk")
        with open(walk, "wb") as out:
            proc = runner.popen(_LOG + ["--reverse"] + list(revs) + ["--"], stderr=err, stdout=out, config=_LOG_CONFIG)
        try:
            with open(walk, "rb") as reader:
                yield from parse_changes(_tokens(_follow(reader, proc)))
        finally:
            if proc.poll() is None:  # the consumer stopped early
                proc.kill()
            code = proc.wait()
        if code != 0:
            err.seek(0)
            message = err.read().decode("utf-8", "replace").strip() or f"exit status {code}"
            yield ScanError(runner.cwd, f"git history walk stopped early: {message}")


def _follow(reader: IO[bytes], proc: subprocess.Popen) -> Iterator[bytes]:
    """Chunks of a file `proc` is still writing, until it has exited and every byte is read."""
    while True:
        chunk = reader.read(_READ)
        if chunk:
            yield chunk
        elif proc.poll() is not None:
            while chunk := reader.read(_READ):  # what it wrote between the last read and its exit
                yield chunk
            return
        else:
            time.sleep(_POLL)


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
        token = token.lstrip(b"\n")
        if token.startswith(b":"):
            path = next(stream, None)
            if path is not None and commit:
                change = _change(commit, token, path)
                if change is not None:
                    yield change
        elif _COMMIT.fullmatch(token):
            commit = token.decode("ascii")


def _change(commit: str, meta: bytes, path: bytes) -> Change | None:
    """`:old new oldsha newsha S` or, for a merge of n parents, n+1 modes, n+1 shas, status."""
    parents = len(meta) - len(meta.lstrip(b":"))
    fields = meta.lstrip(b":").decode("ascii", "replace").split(" ")
    if len(fields) < 2 * parents + 3:
        return None
    modes, shas = fields[: parents + 1], fields[parents + 1: 2 * parents + 2]
    return Change(commit, path.decode("utf-8", "replace"), shas[-1], tuple(shas[:-1]), modes[-1])


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
