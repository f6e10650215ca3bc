"""Bounded reads: a compressed stream or an archive member, never more than the limit allows."""
from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BufferedIOBase, BytesIO
from typing import IO

from leakscan.config import ArchiveLimits

PIECE = 1 << 20
# Below this many uncompressed bytes the ratio is not checked: small text compresses well honestly.
RATIO_FLOOR = 1 << 20
# What a broken or hostile container raises while being read.
READ_ERRORS = (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zlib.error, lzma.LZMAError,
               zipfile.BadZipFile, tarfile.TarError)

_STREAMS: dict[str, Callable[[BytesIO], BufferedIOBase]] = {
    "gzip": lambda raw: gzip.GzipFile(fileobj=raw),
    "bz2": lambda raw: bz2.BZ2File(raw),
    "xz": lambda raw: lzma.LZMAFile(raw),  # noqa: SIM115 (closed by decompress's `with`)
}


class Budget:
    """What one file on disk may still cost: uncompressed bytes and members, nested ones included."""

    def __init__(self, limits: ArchiveLimits) -> None:
        self.limits = limits
        self.read = 0
        self.members = 0

    def cap(self, compressed: int | None) -> tuple[int, str]:
        """How many bytes the next read may produce, and the limit that sets it."""
        caps = [(self.limits.max_member_size, "max_member_size"),
                (self.limits.max_total_size - self.read, "max_total_size")]
        if compressed is not None:
            caps.append((max(RATIO_FLOOR, self.limits.max_ratio * compressed), "max_ratio"))
        return min(caps)


@dataclass(frozen=True)
class Refused:
    """A read stopped by a limit (`limit` names the ArchiveLimits field) or by broken data."""

    message: str
    limit: str = ""


def refusal(limit: str, limits: ArchiveLimits) -> Refused:
    value = getattr(limits, limit)
    what = {
        "max_member_size": f"uncompressed member over {value} bytes",
        "max_total_size": f"over {value} uncompressed bytes in this file",
        "max_ratio": f"compression ratio over {value} (a decompression bomb?)",
    }[limit]
    return Refused(f"not read: {what} (archive_limits.{limit})", limit)


def read_bounded(stream: BufferedIOBase | IO[bytes], budget: Budget, compressed: int | None) -> bytes | Refused:
    """At most what the budget allows, read piece by piece: a bomb stops at the cap."""
    cap, limit = budget.cap(compressed)
    parts: list[bytes] = []
    size = 0
    while True:
        piece = stream.read(min(PIECE, cap + 1 - size))
        if not piece:
            break
        parts.append(piece)
        size += len(piece)
        if size > cap:
            budget.read += size
            return refusal(limit, budget.limits)
    budget.read += size
    return b"".join(parts)


def decompress(kind: str, data: bytes, budget: Budget) -> bytes | Refused:
    """A gzip, bzip2 or xz stream undone, within the budget."""
    try:
        with _STREAMS[kind](BytesIO(data)) as stream:
            return read_bounded(stream, budget, len(data))
    except READ_ERRORS as exc:
        return Refused(f"not read: broken {kind} data ({type(exc).__name__})")


def zip_entries(data: bytes, budget: Budget) -> Iterator[tuple[str, Callable[[], bytes | Refused]] | Refused]:
    """(name, read) for each file in a zip; reads are refused on declared sizes before any inflating."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except READ_ERRORS as exc:
        yield Refused(f"not read: broken zip archive ({type(exc).__name__})")
        return
    with archive:
        for info in archive.infolist():
            if not info.is_dir():
                yield info.filename, _zip_reader(archive, info, budget)


def _zip_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget) -> Callable[[], bytes | Refused]:
    def read() -> bytes | Refused:
        if info.flag_bits & 0x1:
            return Refused("not read: encrypted member")
        cap, limit = budget.cap(info.compress_size)
        if info.file_size > cap:  # the declared size already says no: nothing is inflated
            return refusal(limit, budget.limits)
        try:
            with archive.open(info) as stream:
                return read_bounded(stream, budget, info.compress_size)
        except READ_ERRORS as exc:
            return Refused(f"not read: broken zip member ({type(exc).__name__})")
    return read


def tar_entries(data: bytes, budget: Budget) -> Iterator[tuple[str, Callable[[], bytes | Refused]] | Refused]:
    """(name, read) for each regular file in a tar; links, devices and directories are not content."""
    try:
        with tarfile.open(fileobj=BytesIO(data), mode="r:") as archive:
            for info in archive:
                if info.isreg():
                    yield info.name, _tar_reader(archive, info, budget)
    except READ_ERRORS as exc:
        yield Refused(f"not read further: broken tar archive ({type(exc).__name__})")


def _tar_reader(archive: tarfile.TarFile, info: tarfile.TarInfo, budget: Budget) -> Callable[[], bytes | Refused]:
    def read() -> bytes | Refused:
        stream = archive.extractfile(info)
        if stream is None:
            return Refused("not read: not a regular file")
        try:
            return read_bounded(stream, budget, None)
        except READ_ERRORS as exc:
            return Refused(f"not read: broken tar member ({type(exc).__name__})")
    return read
