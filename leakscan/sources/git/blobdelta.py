"""What is new in a blob compared with the version it replaced.

History scans read every version of every file, but most of each version is
the previous one again: on rails/rails 98% of the lines of a blob were
already in an earlier version at that path. Scanning only the lines a version
adds to the version it replaced (its parent commit's; a merge's lines are new
only if no parent had them) finds every secret once, in the version that
brought it, and costs a fraction of scanning every blob whole.

The new lines stay at their line numbers: unchanged lines become empty, so
the engine reports the line and column of the real file. A few lines around
each new line are kept as context: for context words, `ignore-next-line`
markers, and secrets that span lines (a private key whose body was replaced
between unchanged BEGIN and END lines). What is found only in context lines
is not new and is not reported. A multi-line secret of which a version
changes only lines far from both ends is not recognised in that version.

Before any of that, the prefilter and the encoded-value gate decide whether a
version can hold anything at all; they are shown only the lines that differ
from the old version, with the same context (changed_lines), not the whole
region between its first and last change.
"""
from __future__ import annotations

import codecs
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_BLOCK = 4096
# The region is widened to whole lines anyway: finding where the versions part within
# 128 bytes, not to the byte, saves seven of the bisection's steps at each end.
_SLACK = 128
_FEW = 32  # up to this many distinct new lines are found by search; more, by a walk over the lines
CONTEXT_BEFORE, CONTEXT_AFTER = 3, 2  # unchanged lines kept around each new one
WALKED_REGION = 4096  # a smaller changed region is tested whole (changed_lines)
# changed_lines resynchronises after a changed line on one of the next few lines that is long enough
# not to recur everywhere (`}`, blank lines), found within 64 KiB. It walks on for up to 4 changes
# per 8 KiB of region; hunks closer than 512 bytes are tested as one; an equal run is first
# compared 512 bytes at a time (most runs between changes are short).
_RESYNC_TRIES, _ANCHOR, _RESYNC_WINDOW = 8, 8, 1 << 16
_HUNKS_PER_8K, _NEAR, _FIRST_STEP = 4, 512, 512
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Fresh:
    """The part of a blob to scan: `data` starts `line_offset` lines into the file.

    `added` holds the 1-based line numbers of the new lines (None: all of it is new);
    the other kept lines are context, and what is found only there is not new.
    """

    line_offset: int
    data: bytes
    added: frozenset[int] | None = None

    def is_new(self, first_line: int, last_line: int) -> bool:
        return self.added is None or any(n in self.added for n in range(first_line, last_line + 1))


@dataclass(frozen=True)
class Region:
    """Where two versions differ, widened to whole lines and context margins:
    new[start:end] holds every line the new version adds, old[old_start:old_end]
    the lines it replaced."""

    start: int
    end: int
    old_start: int
    old_end: int


def changed_region(old: bytes | None, new: bytes) -> Region | None:
    """The region to look at in `new`; None when all of it is (no previous version, or UTF-16)."""
    if old is None or new.startswith(_UTF16) or old.startswith(_UTF16):  # UTF-16 lines are not b"\n"-split
        return None
    prefix = common_prefix(old, new, _SLACK)
    suffix = common_suffix(old, new, min(len(old), len(new)) - prefix, _SLACK)
    start, end = _changed_lines(new, prefix, suffix)
    # The same lines in the old version: what lies before `prefix` is common, and the lines the end
    # is looked for in lie in the common suffix (suffix <= min length - prefix).
    return Region(start, end, start, end - len(new) + len(old))


def changed_bytes(new: bytes, region: Region | None) -> bytes:
    """What a scan of `new` must look at: its changed region, or all of it."""
    return new if region is None else new[region.start:region.end]


def changed_lines(old: bytes | None, new: bytes, region: Region | None) -> bytes:
    """What a test of `new` for anything new must look at: the region's lines that are not the
    old version's lines again, each with the context fresh_part keeps, joined by newlines.

    A region runs from the first change to the last, and the changes of one version are often far
    apart: on the synthetic history its regions held 187 MB, the lines they added 2.2 MB. The
    region's lines are walked in step with the old region's (equal runs by memcmp, a changed line
    resynchronised by finding the next line in the other version), so every line fresh_part calls
    new, and its context, is here; a line is left out only where it lies aligned with the same
    line of the old version. The walk stops where it costs more than the bytes it saves: a small
    region is returned whole, and past a budget of changes per 8 KiB the rest of a region is
    kept whole (changes close together, as in most of rails/rails's regions)."""
    if region is None or old is None or region.end - region.start < WALKED_REGION:
        return changed_bytes(new, region)
    pieces: list[bytes] = []
    kept_to = region.start
    for start, end in _merged(_hunks(old, new, region)):
        first, last = _with_context(new, start, end, region)
        if first <= kept_to:  # touches the piece before: extend it
            first = kept_to
        elif pieces:
            pieces.append(b"\n")
        if last > first:
            pieces.append(new[first:last])
        kept_to = max(kept_to, last)
    return b"".join(pieces)


def _merged(hunks: Iterator[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Hunks less than _NEAR bytes apart as one: what lies between costs less to test than to cut out."""
    current: tuple[int, int] | None = None
    for start, end in hunks:
        if current is not None and start - current[1] < _NEAR:
            current = (current[0], end)
            continue
        if current is not None:
            yield current
        current = (start, end)
    if current is not None:
        yield current


def _hunks(old: bytes, new: bytes, region: Region) -> Iterator[tuple[int, int]]:
    """Spans of whole lines of new[region] outside which every line lies aligned with an equal line
    of old[region], in order (a superset of the changed lines: a bad resynchronisation only makes
    a span longer). After _HUNKS_PER_8K changes per 8 KiB of region, the rest is one span."""
    view, at, old_at = memoryview(new), region.start, region.old_start
    end, old_end = region.end, region.old_end
    budget = max(2, (end - at) * _HUNKS_PER_8K // 8192)
    while at < end:
        equal = _equal_run(old, old_at, view, at, min(old_end - old_at, end - at), _SLACK, _FIRST_STEP)
        line_start = new.rfind(b"\n", at, at + equal) + 1
        if line_start > at:  # whole equal lines (the run may fall short by the slack)
            old_at, at = old_at + line_start - at, line_start
        while at < end:  # and the equal lines the slack left
            line_end = new.find(b"\n", at, end) + 1 or end
            if not old.startswith(view[at:line_end], old_at, old_end):
                break
            old_at, at = old_at + line_end - at, line_end
        if at >= end:
            return
        budget -= 1
        hunk_start, resumed = at, _resync(old, old_at, old_end, new, at, end) if budget > 0 else None
        if resumed is None:
            yield hunk_start, end
            return
        at, old_at = resumed
        yield hunk_start, at


def _resync(old: bytes, old_at: int, old_end: int, new: bytes, at: int, end: int) -> tuple[int, int] | None:
    """Where new and old run alike again after the changed line at new[at] (old[old_at] being where
    it would be): by turns, the next telling line of new found in old not far ahead (a line
    replaced or lines deleted), and the next telling line of old found in new (lines inserted).
    None when none of the next few is found."""
    new_probe: int | None = new.find(b"\n", at, end) + 1 or None  # None: no line left on that side
    old_probe: int | None = old_at
    for _ in range(_RESYNC_TRIES):
        line = _telling_line(new, new_probe, end) if new_probe is not None else None
        new_probe = line[1] if line is not None else None
        if line is not None:  # found with the newline before it, so at a line start of old
            found = old.find(new[line[0] - 1:line[1]], max(old_at - 1, 0), min(old_end, old_at + _RESYNC_WINDOW))
            if found >= 0:
                return line[0], found + 1
        line = _telling_line(old, old_probe, old_end) if old_probe is not None else None
        old_probe = line[1] if line is not None else None
        if line is not None:  # found past `at` (so new moves on), with a newline before it
            found = new.find(b"\n" + old[line[0]:line[1]], at, min(end, at + _RESYNC_WINDOW))
            if found >= 0:
                return found + 1, line[0]
        if new_probe is None and old_probe is None:
            return None
    return None


def _telling_line(data: bytes, start: int, end: int) -> tuple[int, int] | None:
    """The first line at or after `start` (a line start) that is long enough not to recur
    everywhere (`end`, `}`, blank lines): its start and end."""
    while start < end:
        line_end = data.find(b"\n", start, end) + 1 or end
        if line_end - start >= _ANCHOR and len(data[start:line_end].strip()) >= _ANCHOR:
            return start, line_end
        start = line_end
    return None


def _with_context(data: bytes, start: int, end: int, region: Region) -> tuple[int, int]:
    """data[start:end] (whole lines) widened by fresh_part's context lines, within the region."""
    start = _context_start(data, start, region.start)
    for _ in range(CONTEXT_AFTER):
        if end >= region.end:
            break
        end = data.find(b"\n", end, region.end) + 1 or region.end
    return max(start, region.start), min(end, region.end)


def _context_start(data: bytes, start: int, floor: int = 0) -> int:
    """Where the line CONTEXT_BEFORE lines above the one starting at `start` starts, not before `floor`."""
    for _ in range(CONTEXT_BEFORE):
        if start <= floor:
            break
        start = data.rfind(b"\n", floor, start - 1) + 1 or floor
    return start


def fresh_part(old: bytes | None, new: bytes, region: Region | None = None,
               others: Sequence[bytes] = ()) -> Fresh | None:
    """What of `new` to scan given the `old` version at the same path; None when nothing is new.

    `region` is changed_region(old, new) when the caller has it already. A line in any of
    `others` is not new either (a merge's other parents' versions: what it brings from them)."""
    region = region or changed_region(old, new)
    if region is None or old is None:
        return Fresh(0, new)
    lines = new[region.start:region.end].split(b"\n")
    added = set(lines).difference(old[region.old_start:region.old_end].split(b"\n"))
    for other in others:
        added.difference_update(other.split(b"\n"))
    added.discard(b"")  # an empty line holds nothing to find
    if not added:
        return None
    region_text = new[region.start:region.end]
    found = _locate(region_text, added) if len(added) <= _FEW else [i for i, line in enumerate(lines) if line in added]
    pieces, current = [], 0
    for first, last in _kept_runs(found, len(lines)):  # unchanged lines become empty: every kept line keeps its number
        pieces.append(b"\n" * (first - current))
        pieces.append(b"\n".join(lines[first:last + 1]))
        current = last
    offset = new.count(b"\n", 0, region.start)
    return Fresh(offset, b"".join(pieces), frozenset(offset + i + 1 for i in found))


def _kept_runs(found: list[int], count: int) -> Iterator[tuple[int, int]]:
    """Runs of line indexes (first, last) covering each found line and its context, merged, in order."""
    first = last = -1
    for i in found:
        low, high = max(0, i - CONTEXT_BEFORE), min(count - 1, i + CONTEXT_AFTER)
        if first >= 0 and low <= last + 1:
            last = max(last, high)
            continue
        if first >= 0:
            yield first, last
        first, last = low, high
    if first >= 0:
        yield first, last


def _locate(region: bytes, added: set[bytes]) -> list[int]:
    """Line indexes of the few new lines, found with C-speed searches instead of a walk over every line."""
    padded = b"\n" + region + b"\n"
    starts = []
    for line in added:
        needle = b"\n" + line + b"\n"
        at = padded.find(needle)
        while at >= 0:
            starts.append(at)  # padded[at] is the newline before the line: its start in `region`
            at = padded.find(needle, at + len(needle) - 1)
    starts.sort()
    indexes, position, line_number = [], 0, 0
    for at in starts:
        line_number += region.count(b"\n", position, at)
        position = at
        indexes.append(line_number)
    return indexes


def _changed_lines(data: bytes, prefix: int, suffix: int) -> tuple[int, int]:
    """Whole lines around data[prefix:len - suffix], with room for context: from CONTEXT_BEFORE lines
    before the first changed line to CONTEXT_AFTER lines after the line where the unchanged suffix
    starts (a changed newline makes that a new line). Old and new get the same margins, so the
    margin lines, being unchanged, are never taken for new ones."""
    start = _context_start(data, data.rfind(b"\n", 0, prefix) + 1)
    end = data.find(b"\n", max(prefix, len(data) - suffix))
    for _ in range(CONTEXT_AFTER):
        if end < 0:
            break
        end = data.find(b"\n", end + 1)
    return start, len(data) if end < 0 else end


def common_prefix(a: bytes, b: bytes, slack: int = 0) -> int:
    """Length of the common prefix: memcmp over growing blocks, then a bisection; no copies.
    With `slack`, the answer may fall short of the exact length by up to that many bytes."""
    return _equal_run(a, 0, memoryview(b), 0, min(len(a), len(b)), slack)


def _equal_run(a: bytes, a_at: int, b: memoryview, b_at: int, limit: int, slack: int, step: int = _BLOCK) -> int:
    """How long a[a_at:] and b[b_at:] run alike, up to `limit` (short by up to `slack`): compared
    `step` bytes first, twice as many each time after."""
    pos = 0
    while pos < limit and a.startswith(b[b_at + pos:b_at + min(pos + step, limit)], a_at + pos):
        pos = min(pos + step, limit)
        step *= 2
    lo, hi = pos, min(pos + step, limit)
    while hi - lo > slack:  # invariant: the first lo bytes are alike; a difference lies before hi
        mid = (lo + hi + 1) // 2
        if a.startswith(b[b_at + lo:b_at + mid], a_at + lo):
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: bytes, b: bytes, limit: int, slack: int = 0) -> int:
    """Length of the common suffix, at most `limit` bytes (short by up to `slack`)."""
    view, la, lb, pos, step = memoryview(b), len(a), len(b), 0, _BLOCK
    while pos < limit and a.endswith(view[lb - min(pos + step, limit): lb - pos], 0, la - pos):
        pos = min(pos + step, limit)
        step *= 2
    lo, hi = pos, min(pos + step, limit)
    while hi - lo > slack:
        mid = (lo + hi + 1) // 2
        if a.endswith(view[lb - mid: lb - lo], 0, la - lo):
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(frozen=True)
class Version:
    """A blob read earlier, with a note about it (None: nothing known)."""

    sha: str
    path: str
    data: bytes
    note: bool | None = None


class VersionCache:
    """Blobs read recently, within a memory budget: the last version put at each path (in
    `latest_share` of the budget), and the versions those replaced (in the rest), least
    recently used forgotten first. A version is found by id (the blob a new version replaced)
    or by path.

    A version is compared with the blob it replaced (its parent commit's version). In a
    straight history that is the last version at its path; but branches interleave in a walk
    by date, and on rails/rails 39% of versions followed one from another branch at their path
    (a stable branch's CHANGELOG after main's), so recent replaced versions are kept too. One
    LRU over all versions did worse: the versions of a few busy files pushed out the last
    version of every quiet one. Simulated for two workers, on a 5,000-commit straight history
    one 24 MB LRU each read 40% of replaced versions again from git, these two tiers in 28 MB
    under 1%; on rails/rails 71,000 against 48,000. The 3:2 split was the best of those tried
    on both. Forgetting only costs time: the caller reads the replaced blob again, or scans
    the version whole.
    """

    def __init__(self, budget: int, latest_share: float = 0.6) -> None:
        self.budget = budget
        self._latest = _Tier(int(budget * latest_share))  # by path
        self._older = _Tier(budget - self._latest.budget)  # by blob id
        self._latest_path: dict[str, str] = {}  # blob id -> its path, for the versions in _latest

    @property
    def size(self) -> int:
        return self._latest.size + self._older.size

    def get(self, sha: str | None) -> Version | None:
        if not sha:
            return None
        path = self._latest_path.get(sha)
        return self._latest.get(path) if path is not None else self._older.get(sha)

    def latest(self, path: str) -> Version | None:
        return self._latest.get(path)

    def put(self, version: Version) -> None:
        """Keep `version` as the last one at its path; the one it follows there joins the older."""
        self._older.pop(version.sha)
        previous = self._latest.pop(version.path)
        if previous is not None:
            self._unindex(previous)
            if previous.sha != version.sha:
                self._older.put(previous.sha, previous)
        self._latest_path[version.sha] = version.path
        for dropped in self._latest.put(version.path, version):
            self._unindex(dropped)
            if dropped is not version:
                self._older.put(dropped.sha, dropped)

    def _unindex(self, version: Version) -> None:
        if self._latest_path.get(version.sha) == version.path:  # (one blob may be the last at two paths)
            del self._latest_path[version.sha]


class _Tier:
    """Versions by key within a byte budget, least recently used first out."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._items: OrderedDict[str, Version] = OrderedDict()

    def get(self, key: str) -> Version | None:
        version = self._items.get(key)
        if version is not None:
            self._items.move_to_end(key)
        return version

    def pop(self, key: str) -> Version | None:
        version = self._items.pop(key, None)
        if version is not None:
            self.size -= len(version.data)
        return version

    def put(self, key: str, version: Version) -> list[Version]:
        """Keep `version` under `key`; returns what the budget forced out (`version` itself if
        it is larger than the whole budget)."""
        self.pop(key)
        if len(version.data) > self.budget:
            return [version]
        self._items[key] = version
        self.size += len(version.data)
        dropped = []
        while self.size > self.budget:
            _, old = self._items.popitem(last=False)
            self.size -= len(old.data)
            dropped.append(old)
        return dropped
