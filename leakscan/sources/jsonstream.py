"""Large JSON read one member at a time: a HAR's entries and JSON-lines records, never the whole text at once.

A `TextReader` holds a window of the text (read block by block from any
source: a file, a generator, slices of a string) and lets go of what was
read, counting its newlines so that every member still knows the line and
column it starts on in the whole text. `har_members` walks a HAR's root and
`log` objects by hand and yields each member of `log.entries` as its own text,
parsed alone: the window never holds much more than one entry. Entries are
parsed by the standard library's C decoder, which finds where a value ends
as it parses it; orjson would need each span found first, and turns integers
past 64 bits into floats (docs/benchmarks.md has the measurement).
"""
from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from leakscan.sources.decode import bom_encoding, is_binary, wide_encoding
from leakscan.sources.lenient_json import raw_decode_flagged

BLOCK = 1 << 20  # characters read at a time
COMPACT = 1 << 16  # what was read is dropped from the window past this many characters
_WS = re.compile(r"[ \t\n\r]*")
_WS_CHARS = frozenset(" \t\n\r")
_SEPARATORS = re.compile(r"[\s,]*")


class TextReader:
    """A window on a text read block by block: `buf[i]` is character `base + i` of the text and
    `buf[pos:]` is what is still to read. What was read is let go once it is most of the window,
    its newlines counted first, so every offset still has its line and column in the whole text."""

    def __init__(self, blocks: Iterable[str], start: int = 0) -> None:
        """`start`: the text offset of the first block (past a byte-order mark the caller skipped)."""
        self._blocks = iter(blocks)
        self.buf = ""
        self.base = start
        self.pos = 0
        self.eof = False
        self.peak = 0  # the longest window held: what reading cost in memory
        self.long_integer = False  # an integer past Python's digit limit was read (kept as a placeholder)
        self._counted = 0  # newlines are counted in buf[:_counted]
        self._lines = 0  # newlines in the text before buf[_counted]
        self._line_start = 0  # offset in the text where the line holding buf[_counted] starts

    def more(self) -> bool:
        """Append the next block; False at the end of the text."""
        for block in self._blocks:
            if block:
                self.buf += block
                self.peak = max(self.peak, len(self.buf))
                return True
        self.eof = True
        return False

    def need(self, at: int) -> bool:
        """True when `buf[at]` exists (reading on as needed)."""
        while at >= len(self.buf):
            if not self.more():
                return False
        return True

    def release(self, at: int) -> None:
        """`buf[:at]` has been read: `pos` moves to `at`, and the window drops it when it is worth it."""
        self.pos = at
        if at >= COMPACT and at * 2 >= len(self.buf):
            self.where(at)  # its newlines are counted before they go
            self.buf = self.buf[at:]
            self.base += at
            self._counted -= at
            self.pos = 0

    def skip_ws(self, at: int) -> int:
        """Offset (in `buf`) of the next significant character at or after `at`, reading on over whitespace."""
        while True:
            if self.buf[at:at + 1] not in _WS_CHARS:
                if at < len(self.buf) or not self.more():
                    return at
                continue
            match = _WS.match(self.buf, at)
            end = match.end() if match else at
            if end < len(self.buf) or not self.more():
                return end
            at = end

    def where(self, at: int) -> tuple[int, int, int]:
        """(offset in the text, 1-based line, offset where that line starts) of `buf[at]`. Asked in order:
        `at` never goes back (newlines are counted once)."""
        counted = self._counted
        if at > counted:
            newlines = self.buf.count("\n", counted, at)
            if newlines:
                self._lines += newlines
                self._line_start = self.base + self.buf.rfind("\n", counted, at) + 1
            self._counted = at
        return self.base + at, self._lines + 1, self._line_start

    def value(self, at: int) -> tuple[Any, int]:
        """The JSON value at `buf[at]` and where it ends, reading on while the window cuts it short
        (the unread part at least doubled each time, so a value larger than a block costs linear time)."""
        while True:
            try:
                value, end = self._decode(at)
            except json.JSONDecodeError:
                if not self._grow(at):
                    raise
                continue
            # A number (or anything) ending right at the window's end may go on in the next block.
            if end < len(self.buf) or not self._grow(at):
                return value, end

    def _decode(self, at: int) -> tuple[Any, int]:
        """`raw_decode` at `buf[at]`; an integer past Python's digit limit becomes a placeholder (lenient_json)
        and is remembered, so that a document holding one is still read one member at a time."""
        value, end, long_integer = raw_decode_flagged(self.buf, at)
        self.long_integer = self.long_integer or long_integer
        return value, end

    def _grow(self, at: int) -> bool:
        """Read on until the unread part from `at` has doubled (or the text ends); True if anything came."""
        before = len(self.buf)
        target = before + max(BLOCK, before - at)
        while len(self.buf) < target and self.more():
            pass
        return len(self.buf) > before


def string_blocks(text: str, start: int = 0, size: int | None = None) -> Iterator[str]:
    """Slices of an in-memory text from `start`, as a file would be read (BLOCK characters by default)."""
    size = size or BLOCK
    for at in range(start, len(text), size):
        yield text[at:at + size]


def file_blocks(path: str, size: int | None = None, encoding: str = "utf-8") -> Iterator[str]:
    """A text file read `size` characters at a time (BLOCK by default), newlines as written."""
    with open(path, encoding=encoding, newline="") as handle:
        while block := handle.read(size or BLOCK):
            yield block


def plain_utf8_length(path: str, refused: tuple[bytes, ...] = (), block: int | None = None) -> int | None:
    """The length in characters of a file that is read as UTF-8 whole (no byte-order mark, not wide or
    binary text: as sources.decode reads it) and holds none of the `refused` words; else None. Reads
    the file block by block (BLOCK bytes by default): what file_blocks then reads is the text read_file
    would have decoded."""
    block = block or BLOCK
    decoder = codecs.getincrementaldecoder("utf-8")()
    longest = max((len(word) for word in refused), default=1)
    length, tail = 0, b""
    with open(path, "rb") as handle:
        data = handle.read(block)
        if bom_encoding(data) or wide_encoding(data) or is_binary(data):
            return None
        while data:
            try:
                length += len(decoder.decode(data))
            except UnicodeDecodeError:
                return None
            joined = tail + data
            if any(word in joined for word in refused):
                return None
            tail = joined[-(longest - 1):] if longest > 1 else b""  # a word across this block and the next
            data = handle.read(block)
    try:
        return length + len(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True)
class Member:
    """One member of `log.entries` (or one JSON-lines record): its index, its text, its value when
    parsed, and where the text starts in the whole text."""

    index: int
    text: str
    value: Any
    offset: int  # character offset in the whole text
    line: int  # 1-based line it starts on
    line_start: int  # character offset where that line starts


# (key, value start, value end) of an object's or array's members, offsets in the whole text.
Spans = list[tuple[str, int, int]]
OnSpans = Callable[[int, Spans], None]
_ENTRIES = ("", "log", "entries")
_DESCEND = {("",): "log", ("", "log"): "entries"}  # the containers walked by hand


def har_members(reader: TextReader, on_spans: OnSpans | None = None,
                entry_spans: bool = False) -> Iterator[Member | dict[str, Any]]:
    """Each member of a HAR's `log.entries` in turn, then the document without them (root and `log`
    with every other member parsed). Raises ValueError (or RecursionError) where the text is not
    such a JSON document. `on_spans(start, members)` is told the member spans of the root, of `log`
    and, with `entry_spans`, of `log.entries` (one tuple an entry: only a spec comparison needs them)."""
    at = reader.skip_ws(reader.pos)
    if not reader.need(at) or reader.buf[at] != "{":
        raise ValueError("not a JSON object")
    reader.release(at)
    root = yield from _walk(reader, ("",), on_spans, entry_spans)
    if reader.need(reader.skip_ws(reader.pos)):
        raise ValueError("extra data")
    yield root


def _walk(reader: TextReader, path: tuple[str, ...], on_spans: OnSpans | None,
          entry_spans: bool) -> Generator[Member, None, Any]:
    """The object or array at `buf[pos]`: entries yielded, the rest parsed; returns its value without them."""
    opener = reader.buf[reader.pos]
    is_object = opener == "{"
    close = "}" if is_object else "]"
    streamed = path == _ENTRIES and not is_object
    start = reader.base + reader.pos
    out: Any = {} if is_object else []
    spans: Spans = []
    index = 0
    i = reader.skip_ws(reader.pos + 1)
    while _at(reader, i) != close:
        if is_object:
            if _at(reader, i) != '"':
                raise ValueError("expected a key")
            key, after = reader.value(i)
            colon = reader.skip_ws(after)
            if _at(reader, colon) != ":":
                raise ValueError("expected ':'")
            value_at = reader.skip_ws(colon + 1)
        else:
            key, value_at = str(index), i
        if _at(reader, value_at) in ("{", "[") and _DESCEND.get(path) == key:
            reader.release(value_at)
            value_start = reader.base + reader.pos
            value = yield from _walk(reader, path + (key,), on_spans, entry_spans)
            end = reader.pos  # _walk read up to the end of the value
        else:
            if not reader.need(value_at):
                raise ValueError("cut short")
            value_start, line, line_start = reader.where(value_at)
            value, end = reader.value(value_at)
            if streamed:
                yield Member(index, reader.buf[value_at:end], value, value_start, line, line_start)
        if not streamed or entry_spans:
            spans.append((key, value_start, reader.base + end))
        if is_object:
            out[key] = value
        elif not streamed:
            out.append(value)
        index += 1
        reader.release(end)
        i = reader.skip_ws(reader.pos)
        if _at(reader, i) == ",":
            i = reader.skip_ws(i + 1)
        elif _at(reader, i) != close:
            raise ValueError(f"expected ',' or '{close}'")
    if on_spans is not None and (not streamed or entry_spans):
        on_spans(start, spans)
    reader.release(i + 1)
    return out


def _at(reader: TextReader, i: int) -> str:
    """The character at `buf[i]`; a text cut short is not JSON."""
    if not reader.need(i):
        raise ValueError("cut short")
    return reader.buf[i]


def text_lines(reader: TextReader) -> Iterator[Member]:
    """The text's lines (without their newline) one at a time, unparsed: JSON-lines records."""
    index = 0
    while True:
        at = reader.pos
        end = reader.buf.find("\n", at)
        while end < 0 and reader.more():
            end = reader.buf.find("\n", at)
        if end < 0 and at >= len(reader.buf):
            return
        end = len(reader.buf) if end < 0 else end
        offset, line, line_start = reader.where(at)
        yield Member(index, reader.buf[at:end], None, offset, line, line_start)
        index += 1
        reader.release(end + 1)


def skip_separators(text: str, at: int) -> int:
    """Offset of the next list member in a whole text after `at`: whitespace and commas skipped (a
    truncated capture's complete entries are read one `raw_decode` at a time from there)."""
    match = _SEPARATORS.match(text, at)
    return match.end() if match else at  # `[...]*` matches the empty string: there is always a match
