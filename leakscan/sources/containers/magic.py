"""Which container a blob is, from its first bytes (magic numbers), not its name."""
from __future__ import annotations

import tarfile

# Compression layers hold one stream; archive layers hold named members.
COMPRESSIONS = ("gzip", "bz2", "xz")
ARCHIVES = ("zip", "tar")

_MAGIC = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip: only the end-of-directory record
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_TAR_MAGIC_AT = 257  # "ustar" in a POSIX or GNU tar header
_TAR_BLOCK = 512


def container_kind(data: bytes, name: str = "") -> str | None:
    """"zip", "tar", "gzip", "bz2" or "xz" when `data` starts like one; else None.
    A pre-POSIX tar has no magic: it is tried only when the name says `.tar`."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[_TAR_MAGIC_AT:_TAR_MAGIC_AT + 5] == b"ustar":
        return "tar"
    if name.lower().endswith(".tar") and len(data) >= _TAR_BLOCK and _old_tar(data[:_TAR_BLOCK]):
        return "tar"
    return None


def _old_tar(header: bytes) -> bool:
    try:
        tarfile.TarInfo.frombuf(header, "utf-8", "surrogateescape")
    except tarfile.TarError:
        return False
    return True


def is_container(data: bytes, name: str = "") -> bool:
    return container_kind(data, name) is not None
