"""Encoded values in text (base64, percent-encoding, backslash escapes), found and decoded.

Only values assigned to a key (`key: value`, `"key": "value"`, `KEY=value`) are
tried, so a file costs one pass of a cheap pattern, not a decode of every run
of letters; a value is kept only when it decodes to printable text (random
bytes, images and hashes are not text and are never scanned as such).
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from leakscan.engine.literals import (
    ASSIGNED,
    CONTROL_FIRST,
    NOT_UTF8_FIRST,
    SMALL_TEXT,
    VALUE_CHAR,
    VALUE_FIRST,
    encoded_value_starts,
    text_marks,
)

MAX_DEPTH = 2  # an encoded value inside a decoded one, and no deeper
MIN_ENCODED = 16
MAX_ENCODED = 16384

# A value after `:` or `=` (quotes optional); the key is looked up behind it only for survivors.
# engine/literals.BASE64_START and ESCAPED_VALUE say where a value that decodes may be, for Hyperscan.
_VALUE = re.compile(f"{ASSIGNED}({VALUE_FIRST}{VALUE_CHAR}{{15,16383}})")
_KEY_BEHIND = re.compile(r"""([A-Za-z_][\w.\-]{0,63})["']?[ \t]*$""")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class Encoded:
    """A decoded value: its span in the scanned text, the key it was assigned to, the layers undone."""

    start: int
    end: int
    key: str
    layers: tuple[str, ...]
    text: str


def encoded_values(text: str, nested: bool = True) -> Iterator[Encoded]:
    """Every assigned value that decodes to text, with values encoded inside it (depth 2), in order."""
    for match in _value_matches(text):
        value = match.group(1)
        decoded = decode_value(value)
        if decoded is None:
            continue
        key_match = _KEY_BEHIND.search(text, max(0, match.start() - 80), match.start())
        key = key_match.group(1) if key_match else ""
        layer, inner = decoded
        yield Encoded(match.start(1), match.end(1), key, (layer,), inner)
        if nested:
            yield from _nested(inner, match.start(1), match.end(1), key, (layer,))


def has_encoded_value(text: str, data: bytes | None = None) -> bool:
    """`next(encoded_values(text)) is not None`, for a gate that asks it of every changed region (a
    history's). One Hyperscan pass finds the places where a value that decodes may be, fewer than
    `encoded_values` looks at (engine/literals.gate_patterns): base64 starts whose first
    characters decode to text, and the lines with an escape in a long enough value (where
    `encoded_values` yields what `_VALUE.finditer` finds on the line).
    It stops at the first value that decodes, which `encoded_values` then confirms; a text where
    none decodes holds none that `encoded_values` would yield."""
    searched_to = -1  # the end of the last escaped line searched

    def decodes_at(escaped: bool, at: int) -> bool:
        nonlocal searched_to
        if not escaped:
            match = _VALUE.match(text, at)
            return match is not None and decode_value(match.group(1)) is not None
        if at < searched_to:
            return False
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        searched_to = len(text) if end < 0 else end
        return any(decode_value(m.group(1)) is not None for m in _VALUE.finditer(text, start, searched_to))

    if encoded_value_starts(text, data, decodes_at) is False:
        return False
    return next(encoded_values(text), None) is not None


def _value_matches(text: str) -> Iterator[re.Match[str]]:
    """`_VALUE` matched only where the shared Hyperscan pass says a value that decodes may start (a
    regex search over every `:` and `=` of a tree cost more than the Hyperscan prefilter itself).
    Unlike `finditer`, a base64 value is also tried where it starts inside a longer run that does
    not decode (`a=x.y:<base64>`)."""
    # A small text's marks are substring tests that give no offsets (engine/literals.py): not asked.
    marks = text_marks(text) if len(text) >= SMALL_TEXT else None
    if marks is None or marks.base64_starts is None or marks.escaped_lines is None:
        yield from _VALUE.finditer(text)
        return
    starts = set(marks.base64_starts)
    line_end = -1
    for at in marks.escaped_lines:  # values never span lines: search each such line whole
        if at >= line_end:
            line_start = text.rfind("\n", 0, at) + 1
            found = text.find("\n", at)
            line_end = len(text) if found < 0 else found
            starts.update(m.start() for m in _VALUE.finditer(text, line_start, line_end))
    end = 0
    for start in sorted(starts):
        if start < end:  # inside the previous value, where finditer does not look either
            continue
        match = _VALUE.match(text, start)
        if match is not None:
            yield match
            end = match.end()


def _nested(text: str, start: int, end: int, key: str, layers: tuple[str, ...]) -> Iterator[Encoded]:
    """Values encoded inside a decoded one, placed on the outer span (what a mask must cover)."""
    if len(layers) >= MAX_DEPTH:
        return
    whole = decode_value(text.strip())
    if whole is not None:
        yield Encoded(start, end, key, (*layers, whole[0]), whole[1])
        return
    for inner in encoded_values(text, nested=False):
        yield Encoded(start, end, f"{key}.{inner.key}" if key else inner.key, (*layers, *inner.layers), inner.text)


def decode_value(value: str) -> tuple[str, str] | None:
    """(layer, text) when `value` is wholly base64, percent-encoded or escaped and decodes to text."""
    if not MIN_ENCODED <= len(value) <= MAX_ENCODED:
        return None
    if "\\" in value:
        return _text("escape", _ESCAPE.sub(_unescape, value), value)
    if "%" in value:
        return _text("percent", _percent_text(value), value) if _PERCENT.search(value) else None
    if value[0] in CONTROL_FIRST:  # whatever follows, the decoded text would start with a control character
        return None
    if _BASE64.fullmatch(value) or _BASE64URL.fullmatch(value):
        return _text("base64", _base64_text(value), value)
    return None


def _percent_text(value: str) -> str | None:
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:  # %XX bytes that are not UTF-8 text: not a text value
        return None


def _unescape(match: re.Match[str]) -> str:
    return chr(int(match.group(1) or match.group(2), 16))


def _base64_text(value: str) -> str | None:
    # One character over whole quanta is never base64: about a quarter of the long identifiers that
    # a scan tries (every value assigned), refused without decoding.
    if len(value.rstrip("=")) % 4 == 1:
        return None
    # Most random runs of letters fail UTF-8 at their first byte (a history's test data): refused
    # without the decode and the exception, about half of them.
    if value[:1] in NOT_UTF8_FIRST:
        return None
    padded = value + "=" * (-len(value) % 4)
    try:
        if "-" in value or "_" in value:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _text(layer: str, decoded: str | None, original: str) -> tuple[str, str] | None:
    """Printable text that says something new; noise and binary are not text."""
    if decoded is None or decoded == original or len(decoded.strip()) < 4:
        return None
    if not decoded.isprintable() and not all(ch.isprintable() or ch in "\t\r\n" for ch in decoded):
        return None
    return layer, decoded
