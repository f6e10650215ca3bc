"""Commits from `git log --raw`: blobs a range of commits added, and who introduced a blob.

Only tree diffs are read (`--raw`, no patches), so no diff driver, textconv or
content is ever involved and missing blobs do not matter. Merges are shown as
dense combined diffs, which list a path only where the merge result differs
from every parent: a secret added while resolving a conflict is attributed
to the merge, one merely carried over from a branch is not.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from leakscan.sources.git import GITLINK_MODE, BlobRef
from leakscan.sources.gitsafe import GitRunner

_FORMAT = "%x01%H%x00%aI%x00%an%x00%ae"
_LOG = ["log", "--raw", "-z", "--no-abbrev", "--no-renames", "--root", "--diff-merges=dense-combined",
        "--no-ext-diff", "--no-textconv", "--no-color", f"--format={_FORMAT}"]
MAX_PATHSPECS = 1000  # beyond this one unlimited walk is cheaper than the argument list
MAX_OBJECTS_PER_WALK = 2000


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    date: str  # author date, strict ISO 8601 with the author's offset
    author: str
    email: str

    def sort_key(self) -> tuple[str, str]:
        return (self.date, self.sha)


@dataclass(frozen=True)
class Change:
    """One path a commit's diff shows: the blob it now holds and the blobs it held before."""

    commit: CommitInfo
    path: str
    blob: str
    before: tuple[str, ...]
    mode: str

    @property
    def adds_blob(self) -> bool:
        return self.blob not in self.before and set(self.blob) != {"0"} and self.mode != GITLINK_MODE


def parse_log(out: bytes) -> Iterator[Change]:
    for record in out.split(b"\x01")[1:]:
        tokens = record.split(b"\0")
        if len(tokens) < 4:
            continue
        sha, date, author, email = (t.decode("utf-8", "replace") for t in tokens[:4])
        commit = CommitInfo(sha.strip(), date, author, email)
        rest = [t.lstrip(b"\n") for t in tokens[4:]]
        index = 0
        while index < len(rest) - 1:
            meta = rest[index]
            if not meta.startswith(b":"):
                index += 1
                continue
            change = _change(commit, meta, rest[index + 1])
            if change is not None:
                yield change
            index += 2


def _change(commit: CommitInfo, meta: bytes, path: bytes) -> Change | None:
    """`:old new oldsha newsha S` or, for a merge of n parents, n+1 modes, n+1 shas, status."""
    parents = len(meta) - len(meta.lstrip(b":"))
    fields = meta.lstrip(b":").decode("ascii", "replace").split(" ")
    if len(fields) < 2 * parents + 3:
        return None
    modes, shas = fields[: parents + 1], fields[parents + 1: 2 * parents + 2]
    return Change(commit, path.decode("utf-8", "replace"), shas[-1], tuple(shas[:-1]), modes[-1])


def range_changes(runner: GitRunner, revs: Sequence[str]) -> list[tuple[BlobRef, CommitInfo]]:
    """Blobs the commits in `revs` (e.g. `A..B`) added, oldest commit first, each once per path."""
    out = runner.run(_LOG + ["--reverse"] + list(revs) + ["--"])
    seen: set[tuple[str, str]] = set()
    found = []
    for change in parse_log(out):
        key = (change.blob, change.path)
        if change.adds_blob and key not in seen:
            seen.add(key)
            found.append((BlobRef(change.blob, change.path), change.commit))
    return found


def introducing_commits(
    runner: GitRunner, revs: Sequence[str], wanted: Iterable[tuple[str, str | None]],
) -> dict[tuple[str, str | None], list[Change]]:
    """For each (blob, path) the changes (commit and path) that added that blob there, oldest first.

    A path of None matches any path (for a missing blob whose path is unknown).
    One history walk per MAX_OBJECTS_PER_WALK blobs, limited to their paths when few.
    """
    wanted = sorted(set(wanted), key=lambda k: (k[0], k[1] or ""))
    found: dict[tuple[str, str | None], list[Change]] = {key: [] for key in wanted}
    for start in range(0, len(wanted), MAX_OBJECTS_PER_WALK):
        part = wanted[start: start + MAX_OBJECTS_PER_WALK]
        _walk_for(runner, revs, part, found)
    for changes in found.values():
        changes.sort(key=lambda c: (c.commit.sort_key(), c.path))
    return found


def _walk_for(runner: GitRunner, revs: Sequence[str], part: list[tuple[str, str | None]],
              found: dict[tuple[str, str | None], list[Change]]) -> None:
    blobs = sorted({sha for sha, _ in part})
    paths = sorted({p for _, p in part if p is not None})
    limit_paths = len(paths) <= MAX_PATHSPECS and all(p is not None for _, p in part) \
        and not any("\ufffd" in p or "\n" in p for p in paths)
    # --full-history: with a pathspec git would otherwise skip side branches it deems TREESAME.
    args = _LOG + ["--full-history"] + [f"--find-object={sha}" for sha in blobs] + list(revs) + ["--"]
    out = runner.run(args + (paths if limit_paths else []))
    by_blob: dict[str, list[tuple[str, str | None]]] = {}
    for key in part:
        by_blob.setdefault(key[0], []).append(key)
    for change in parse_log(out):
        if not change.adds_blob:
            continue
        for key in by_blob.get(change.blob, ()):
            if key[1] in (None, change.path) and change not in found[key]:
                found[key].append(change)
