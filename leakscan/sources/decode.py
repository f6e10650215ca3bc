"""Bytes to text, tolerantly: BOMs, UTF-16, invalid UTF-8; binaries detected."""
from __future__ import annotations

import codecs
from typing import Optional

_SNIFF = 8192


def is_binary(data: bytes) -> bool:
    head = data[:_SNIFF]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return False
    return b"\0" in head


def is_utf16(data: bytes) -> bool:
    return data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


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
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), False
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), False
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        # Legacy encodings: cp1252 keeps one character per byte, so ASCII
        # tokens and their columns survive whatever the real encoding was.
        return data.decode("cp1252", "replace"), False


def decode_or_none(data: bytes) -> Optional[str]:
    return None if is_binary(data) else decode(data)[0]
