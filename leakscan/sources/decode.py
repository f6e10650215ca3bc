"""Bytes to text, tolerantly: BOMs, UTF-16/32 with or without BOM, invalid UTF-8; binaries detected.

A NUL byte alone does not make a file binary: UTF-16 and UTF-32 text is full
of them in a regular pattern (every second or every fourth byte), and a log
with one stray NUL is still text. A file is binary when its head has NULs that
follow no such pattern and control bytes make up more than a few percent.
"""
from __future__ import annotations

import codecs

_SNIFF = 8192
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Bytes that text does not hold (controls other than \t \n \v \f \r and ESC).
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\x0b\x0c\r\x1b") + b"\x7f"
BINARY_CONTROL_SHARE = 0.03  # above this share of control bytes in the head, with NULs: binary
WIDE_ZERO_SHARE = 0.9  # in wide text this share of the high bytes is NUL (mostly ASCII text)


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) when `data` starts with a Unicode byte-order mark."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    return None


def wide_encoding(data: bytes) -> str | None:
    """"utf-16-le", "utf-16-be", "utf-32-le" or "utf-32-be" when the head of `data` is
    wide text without a BOM (told by where its NULs are), else None."""
    head = data[:_SNIFF]
    if len(head) < 4 or b"\0" not in head:
        return None
    for codec, width, zero_lanes in (("utf-32-le", 4, (1, 2, 3)), ("utf-32-be", 4, (0, 1, 2)),
                                     ("utf-16-le", 2, (1,)), ("utf-16-be", 2, (0,))):
        head_w = head[:len(head) - len(head) % width]
        lanes = [head_w[i::width] for i in range(width)]
        if not all(lane.count(0) >= WIDE_ZERO_SHARE * len(lane) for i, lane in enumerate(lanes) if i in zero_lanes):
            continue
        if any(lane.count(0) > 0.1 * len(lane) for i, lane in enumerate(lanes) if i not in zero_lanes):
            continue
        try:
            head_w.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return None


def text_encoding(data: bytes) -> str | None:
    """The codec of a BOM or of wide text without one; None for byte-oriented text."""
    found = bom_encoding(data)
    if found and found[0] != "utf-8":
        return found[0]
    return wide_encoding(data) if not found else None


def is_binary(data: bytes) -> bool:
    head = data[:_SNIFF]
    if b"\0" not in head or bom_encoding(head):
        return False
    if wide_encoding(head):
        return False
    controls = sum(head.count(b) for b in _CONTROL)
    return controls > BINARY_CONTROL_SHARE * len(head)


def is_utf16(data: bytes) -> bool:
    """UTF-16 or UTF-32 text, with or without a BOM: scanners that recognise a format
    by its first bytes must decode these before deciding."""
    return text_encoding(data) is not None


def first_byte(data: bytes) -> bytes:
    """The first byte after a UTF-8 BOM and leading blanks (b"" for none): how a
    JSON document is told from other text without decoding it."""
    index = first_significant(data)
    return data[index:index + 1] if index >= 0 else b""


def first_significant(data: bytes) -> int:
    """Where first_byte() is: -1 when the first 4 KB hold only a BOM and blanks."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    for index in range(start, min(len(data), start + 4096)):
        if data[index] not in b" \t\r\n":
            return index
    return -1


def decode(data: bytes) -> tuple[str, bool]:
    """The text, and whether `data` is its exact UTF-8 encoding (lets the
    matcher scan the bytes without encoding them again)."""
    found = bom_encoding(data)
    if found:
        codec, skip = found
        return data[skip:].decode(codec, "replace"), False
    wide = wide_encoding(data)
    if wide:
        return data.decode(wide, "replace"), False
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        # Legacy encodings: cp1252 keeps one character per byte, so ASCII
        # tokens and their columns survive whatever the real encoding was.
        return data.decode("cp1252", "replace"), False


def decode_or_none(data: bytes) -> str | None:
    return None if is_binary(data) else decode(data)[0]
