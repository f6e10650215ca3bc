"""Where a character of a decoded value sits in the scanned file.

A capture nests texts: a JSON body is a string inside a HAR, itself a file;
a base64 body has no character-for-character place at all. A site maps an
offset in one text to a 1-based (line, column) in the file, through as many
layers as it takes, so a finding deep in a HAR body still carries the line of
the HAR it is on. Positions are computed only for the values that are
reported: most sites are never asked.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from typing import Protocol

Position = tuple[int, int] | None
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.S)
_SIMPLE_ESCAPE = re.compile(r"\\.", re.S)


class Site(Protocol):
    def position(self, offset: int) -> Position:
        """1-based (line, column) in the file of `offset` in this text, or None."""


class FileSite:
    """The file's own text. Lines are counted in blocks (newlines per 64 KiB, by
    str.count), not indexed one by one: a 200 MB HAR with millions of lines
    costs a few thousand integers, and a lookup counts within one block. Each
    block also knows the last newline before it, so a column on a one-line
    100 MB capture is found within one block, not by searching back to the
    start of the file for every finding."""

    BLOCK = 1 << 16

    def __init__(self, text: str) -> None:
        self.text = text
        self._before: list[int] | None = None  # newlines before each block
        self._last_newline: list[int] = []  # offset of the last newline before each block, or -1

    def position(self, offset: int) -> tuple[int, int]:  # a file offset always has a position
        text, offset = self.text, min(max(0, offset), len(self.text))
        if self._before is None:
            self._index()
        assert self._before is not None
        block = offset // self.BLOCK
        start = block * self.BLOCK
        line = self._before[block] + text.count("\n", start, offset) + 1
        newline = text.rfind("\n", start, offset)
        if newline < 0:
            newline = self._last_newline[block]
        return line, offset - (newline + 1) + 1

    def _index(self) -> None:
        counts, lasts, total, last = [], [], 0, -1
        for start in range(0, len(self.text) + 1, self.BLOCK):
            counts.append(total)
            lasts.append(last)
            end = start + self.BLOCK
            total += self.text.count("\n", start, end)
            found = self.text.rfind("\n", start, end)
            if found >= 0:
                last = found
        self._before, self._last_newline = counts, lasts


class EntrySite:
    """A piece of the file held on its own (a HAR entry, a JSON-lines record read from a stream): it
    starts at `column` of `line`, and its own newlines are indexed the first time one is needed."""

    def __init__(self, text: str, line: int, column: int) -> None:
        self.text, self.line, self.column = text, line, column
        self._newlines: list[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        offset = min(max(0, offset), len(self.text))
        if self._newlines is None:
            self._newlines = found = []
            at = self.text.find("\n")
            while at >= 0:
                found.append(at)
                at = self.text.find("\n", at + 1)
        before = bisect.bisect_left(self._newlines, offset)
        if not before:
            return self.line, self.column + offset
        return self.line + before, offset - self._newlines[before - 1]


class ShiftSite:
    """A slice of the parent text starting at `base` (an HTTP body, a log line)."""

    def __init__(self, parent: Site, base: int) -> None:
        self.parent, self.base = parent, base

    def position(self, offset: int) -> Position:
        return self.parent.position(self.base + offset)


class AnchorSite:
    """A value with no character mapping (base64-decoded): everything is at one place."""

    def __init__(self, parent: Site, at: int) -> None:
        self.parent, self.at = parent, at

    def position(self, offset: int) -> Position:
        return self.parent.position(self.at)


class NoSite:
    def position(self, offset: int) -> Position:
        return None


class StringSite:
    """The decoded content of a JSON string literal whose opening quote is at `quote_at`
    in the parent text; escapes (\\n, \\", \\uXXXX) are mapped back exactly."""

    def __init__(self, parent: Site, text: str, quote_at: int, end: int) -> None:
        self.parent, self.text, self.start, self.end = parent, text, quote_at + 1, end - 1
        self._decoded: list[int] | None = None
        self._raw: list[int] = []
        self._raw_len: list[int] = []

    def position(self, offset: int) -> Position:
        return self.parent.position(self.start + self.raw_offset(offset))

    def raw_offset(self, offset: int) -> int:
        if self._decoded is None:
            self._index()
        assert self._decoded is not None
        i = bisect.bisect_right(self._decoded, offset) - 1
        if i < 0:
            return offset
        if offset == self._decoded[i]:
            return self._raw[i]
        return self._raw[i] + self._raw_len[i] + (offset - self._decoded[i] - 1)

    def _index(self) -> None:
        """Checkpoints at each escape: decoded offset, raw offset, raw length."""
        if self.text.find("\\u", self.start, self.end) < 0:
            # No \uXXXX: every escape is two raw characters for one decoded. A compact JSON body in a
            # HAR has an escaped quote around every key and string, so this list is built without a loop.
            start = self.start
            self._raw = [m.start() - start for m in _SIMPLE_ESCAPE.finditer(self.text, start, self.end)]
            self._raw_len = [2] * len(self._raw)
            self._decoded = [raw_at - i for i, raw_at in enumerate(self._raw)]
            return
        decoded: list[int] = []
        shift = 0  # raw characters minus decoded characters so far
        pending_high = False
        for m in _ESCAPE.finditer(self.text, self.start, self.end):
            raw_at = m.start() - self.start
            code = int(m.group(1), 16) if m.group(1) else None
            if pending_high and code is not None and 0xDC00 <= code <= 0xDFFF:
                # The low half of a surrogate pair decodes into the same character.
                self._raw_len[-1] += 6
                shift += 6
                pending_high = False
                continue
            pending_high = code is not None and 0xD800 <= code <= 0xDBFF
            decoded.append(raw_at - shift)
            self._raw.append(raw_at)
            self._raw_len.append(m.end() - m.start())
            shift += m.end() - m.start() - 1
        self._decoded = decoded


class ResolvedSite:
    """A site found the first time a position is asked, then kept (most sites are never asked)."""

    __slots__ = ("_site", "_done")

    def __init__(self) -> None:
        self._site: Site | None = None
        self._done = False

    def position(self, offset: int) -> Position:
        if not self._done:
            self._site, self._done = self._resolve(), True
        return self._site.position(offset) if self._site is not None else None

    def _resolve(self) -> Site | None:
        raise NotImplementedError


class LazySite(ResolvedSite):
    """Resolves its real site on first use (a JSON pointer lookup, say)."""

    __slots__ = ("_resolver",)

    def __init__(self, resolve: Callable[[], Site | None]) -> None:
        super().__init__()
        self._resolver = resolve

    def _resolve(self) -> Site | None:
        return self._resolver()


class PinnedSite:
    """Another site's positions at a few offsets, found at once: what it read (an entry's text) can go."""

    __slots__ = ("_positions",)

    def __init__(self, site: Site, offsets: tuple[int, ...]) -> None:
        self._positions = {offset: site.position(offset) for offset in offsets}

    def position(self, offset: int) -> Position:
        if offset not in self._positions:
            raise ValueError(f"offset {offset} was not pinned")
        return self._positions[offset]


class GapSite:
    """The file's text with one stretch cut out and `kept` characters left in its place (a HAR's
    entries, read apart): offsets in the shortened text, positions in the whole file."""

    def __init__(self, text: str, cut_at: int, kept: int, cut_length: int, cut_newlines: int,
                 last_newline: int) -> None:
        """`cut_newlines`: newlines in the stretch cut out; `last_newline`: the file offset of the last
        of them, or -1."""
        self.site, self.text = FileSite(text), text
        self.resume = cut_at + kept  # the first offset after the stand-in
        self.shift = cut_length - kept  # file offset minus shortened offset past it
        self.cut_newlines, self.last_newline = cut_newlines, last_newline

    def position(self, offset: int) -> tuple[int, int]:
        line, column = self.site.position(offset)
        if offset < self.resume:
            return line, column
        if self.text.rfind("\n", self.resume, offset) >= 0:  # a line that starts after the stretch
            return line + self.cut_newlines, column
        if self.last_newline >= 0:  # a line that starts inside it
            return line + self.cut_newlines, offset + self.shift - self.last_newline
        return line, column + self.shift
