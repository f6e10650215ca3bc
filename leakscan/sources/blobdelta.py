"""What is new in a blob compared with the previous version of the same file.

History scans read every version of every file, but most of each version is
the previous one again: on rails/rails 98% of the lines of a blob were
already in an earlier version at that path. Scanning only the lines a version
adds finds every secret once, in the earliest version that holds it (history
is read oldest first), and costs a fraction of scanning every blob whole.

The new lines stay at their line numbers: unchanged lines become empty, so
the engine reports the line and column of the real file. A few lines around
each new line are kept as context: for context words, `ignore-next-line`
markers, and secrets that span lines (a private key whose body was replaced
between unchanged BEGIN and END lines). What is found only in context lines
is not new and is not reported. A multi-line secret of which a version
changes only lines far from both ends is not recognised in that version.
"""
from __future__ import annotations

import codecs
from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional

_BLOCK = 4096
_FEW = 32  # up to this many distinct new lines are found by search; more, by a walk over the lines
CONTEXT_BEFORE, CONTEXT_AFTER = 3, 2  # unchanged lines kept around each new one
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Fresh:
    """The part of a blob to scan: `data` starts `line_offset` lines into the file.

    `added` holds the 1-based line numbers of the new lines (None: all of it is new);
    the other kept lines are context, and what is found only there is not new.
    """

    line_offset: int
    data: bytes
    added: Optional[frozenset[int]] = None

    def is_new(self, first_line: int, last_line: int) -> bool:
        return self.added is None or any(n in self.added for n in range(first_line, last_line + 1))


def fresh_part(old: Optional[bytes], new: bytes) -> Optional[Fresh]:
    """What of `new` to scan given the `old` version at the same path; None when nothing is new."""
    if old is None or new.startswith(_UTF16) or old.startswith(_UTF16):  # UTF-16 lines are not b"\n"-split
        return Fresh(0, new)
    prefix = common_prefix(old, new)
    suffix = common_suffix(old, new, min(len(old), len(new)) - prefix)
    start, end = _changed_lines(new, prefix, suffix)
    old_start, old_end = _changed_lines(old, prefix, suffix)
    region = new[start:end]
    lines = region.split(b"\n")
    added = set(lines).difference(old[old_start:old_end].split(b"\n"))
    added.discard(b"")  # an empty line holds nothing to find
    if not added:
        return None
    found = _locate(region, added) if len(added) <= _FEW else [i for i, line in enumerate(lines) if line in added]
    kept = sorted({j for i in found for j in range(max(0, i - CONTEXT_BEFORE), min(len(lines), i + CONTEXT_AFTER + 1))})
    pieces, current = [], 0
    for index in kept:  # unchanged lines become empty, so every kept line keeps its number
        pieces.append(b"\n" * (index - current))
        pieces.append(lines[index])
        current = index
    offset = new.count(b"\n", 0, start)
    return Fresh(offset, b"".join(pieces), frozenset(offset + i + 1 for i in found))


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
    start = data.rfind(b"\n", 0, prefix) + 1
    for _ in range(CONTEXT_BEFORE):
        if start == 0:
            break
        start = data.rfind(b"\n", 0, start - 1) + 1
    end = data.find(b"\n", max(prefix, len(data) - suffix))
    for _ in range(CONTEXT_AFTER):
        if end < 0:
            break
        end = data.find(b"\n", end + 1)
    return start, len(data) if end < 0 else end


def common_prefix(a: bytes, b: bytes) -> int:
    """Length of the common prefix: memcmp over growing blocks, then a bisection; no copies."""
    limit, view, pos, step = min(len(a), len(b)), memoryview(b), 0, _BLOCK
    while pos < limit and a.startswith(view[pos:min(pos + step, limit)], pos):
        pos = min(pos + step, limit)
        step *= 2
    lo, hi = pos, min(pos + step, limit)
    while lo < hi:  # invariant: a[:lo] == b[:lo]; a mismatch lies before hi
        mid = (lo + hi + 1) // 2
        if a.startswith(view[lo:mid], lo):
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """Length of the common suffix, at most `limit` bytes."""
    view, la, lb, pos, step = memoryview(b), len(a), len(b), 0, _BLOCK
    while pos < limit and a.endswith(view[lb - min(pos + step, limit): lb - pos], 0, la - pos):
        pos = min(pos + step, limit)
        step *= 2
    lo, hi = pos, min(pos + step, limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a.endswith(view[lb - mid: lb - lo], 0, la - lo):
            lo = mid
        else:
            hi = mid - 1
    return lo


class PreviousVersions:
    """The last version read of each path, within a memory budget (oldest paths forgotten first).

    Forgetting only costs time: the next version of a forgotten path is scanned whole.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self._data: OrderedDict[str, bytes] = OrderedDict()

    def get(self, path: str) -> Optional[bytes]:
        return self._data.get(path)

    def put(self, path: str, data: bytes) -> None:
        old = self._data.pop(path, None)
        if old is not None:
            self.size -= len(old)
        if len(data) > self.budget:
            return
        self._data[path] = data
        self.size += len(data)
        while self.size > self.budget:
            _, dropped = self._data.popitem(last=False)
            self.size -= len(dropped)
