"""Members of a container, depth first: nested archives opened up to `max_depth`, every limit reported."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from leakscan.config import ArchiveLimits
from leakscan.model import ScanError
from leakscan.sources.containers.magic import ARCHIVES, container_kind
from leakscan.sources.containers.readers import Budget, Refused, decompress, tar_entries, zip_entries

SEPARATOR = "!/"  # outer.zip!/inner/path
_ENTRIES: dict[str, Callable[[bytes, Budget], Iterator[tuple[str, Callable[[], bytes | Refused]] | Refused]]] = {
    "zip": zip_entries,
    "tar": tar_entries,
}
_STEMS = ((".tgz", ".tar"), (".tbz2", ".tar"), (".txz", ".tar"), (".gz", ""), (".bz2", ""), (".xz", ""))
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Member:
    """One file inside a container: its full path (`a.jar!/x/y`), what was undone, its bytes."""

    path: str
    layers: tuple[str, ...]
    data: bytes


class _Stop(Exception):
    """A limit of the whole file (total size, member count) was hit: nothing more is read."""

    def __init__(self, error: ScanError) -> None:
        super().__init__(error.message)
        self.error = error


def read_members(data: bytes, path: str, limits: ArchiveLimits) -> Iterator[Member | ScanError]:
    """The members of the container `data` (the file shown as `path`), in archive order; each
    refusal is a ScanError naming the member and the limit. Nothing when `data` is no container."""
    kind = container_kind(data, path)
    if kind is None:
        return
    try:
        yield from _open(data, path, (), kind, 0, Budget(limits))
    except _Stop as stop:
        yield stop.error


def _open(data: bytes, path: str, layers: tuple[str, ...], kind: str, depth: int,
          budget: Budget) -> Iterator[Member | ScanError]:
    limits = budget.limits
    if kind in ARCHIVES and depth >= limits.max_depth or len(layers) > 2 * limits.max_depth:
        yield ScanError(path, f"not opened: archives nested deeper than {limits.max_depth} levels "
                              "(archive_limits.max_depth)")
        return
    if kind in ARCHIVES:
        yield from _archive(data, path, (*layers, kind), kind, depth + 1, budget)
        return
    inner = decompress(kind, data, budget)
    if isinstance(inner, Refused):
        yield _refused(path, inner, budget)
        return
    name = _stem(path.rsplit("/", 1)[-1])
    inner_kind = container_kind(inner, name)
    if inner_kind is not None:  # a .tar.gz: one level, the path names the members
        yield from _open(inner, path, (*layers, kind), inner_kind, depth, budget)
    else:
        yield Member(f"{path}{SEPARATOR}{name}", (*layers, kind), inner)


def _archive(data: bytes, path: str, layers: tuple[str, ...], kind: str, depth: int,
             budget: Budget) -> Iterator[Member | ScanError]:
    for entry in _ENTRIES[kind](data, budget):
        if isinstance(entry, Refused):
            yield ScanError(path, entry.message)
            continue
        name, read = entry
        inner_path = f"{path}{SEPARATOR}{name}"
        budget.members += 1
        if budget.members > budget.limits.max_members:
            raise _Stop(ScanError(path, f"not read further: over {budget.limits.max_members} members "
                                        "(archive_limits.max_members)"))
        if unsafe_name(name):
            yield ScanError(inner_path, "not read: member name leaves the archive (path traversal)")
            continue
        content = read()
        if isinstance(content, Refused):
            yield _refused(inner_path, content, budget)
            continue
        inner_kind = container_kind(content, name)
        if inner_kind is None:
            yield Member(inner_path, layers, content)
        else:
            yield from _open(content, inner_path, layers, inner_kind, depth, budget)


def _refused(path: str, refused: Refused, budget: Budget) -> ScanError:
    error = ScanError(path, refused.message)
    if refused.limit == "max_total_size":
        raise _Stop(error)
    return error


def unsafe_name(name: str) -> bool:
    """Absolute, drive-lettered or `..`-climbing member names (zip slip): reported, never read."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in parts or "\x00" in name


def _stem(name: str) -> str:
    """The name a compressed file's content had: `x.har.gz` -> `x.har`, `x.tgz` -> `x.tar`."""
    lower = name.lower()
    for suffix, replacement in _STEMS:
        if lower.endswith(suffix) and len(name) > len(suffix):
            return name[:-len(suffix)] + replacement
    return name
