"""Files in a tree: .gitignore and --exclude respected, binaries and huge files skipped.

Only regular files are read. A walk never follows a symlink out of the scanned
root nor into a directory, never opens a FIFO, socket or device, and reads at
most the size limit (plus one byte) whatever `stat` said; everything it leaves
out is counted by reason (`Skips`).
"""
from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from leakscan.config import Config
from leakscan.model import Chunk, Origin, ScanError
from leakscan.sources.decode import decode, is_binary, text_encoding
from leakscan.sources.suffixes import ARCHIVE_SUFFIXES, BINARY_SUFFIXES

SKIP_DIRS = frozenset({".git", ".hg", ".svn"})
# Reasons a file is left out, as `stats.skipped` counts them.
SKIP_REASONS = ("gitignored", "excluded", "size", "binary", "symlink", "special", "rule_packs")
WHOLE_FILE_LIMIT = 128 * 1024 * 1024  # named files up to this are read whole (and parsed as documents)
WINDOW_BYTES = 16 * 1024 * 1024
# Longer than any secret a rule can match (a PEM block is a few KB): a match that
# starts before the next window's start ends inside this window.
WINDOW_OVERLAP = 64 * 1024


@dataclass(frozen=True)
class FileRef:
    path: str  # filesystem path to open
    display: str  # path as reports show it (relative to the scanned root)
    # Named on the command line rather than found by walking a tree: the size
    # limit guards walks from stray dumps, not an audit of a 200 MB HAR.
    explicit: bool = False
    # Where a spec's relative `$ref`s may lead: the walked root, or a named file's own directory.
    root: str = ""


@dataclass(frozen=True)
class LoadedFile:
    chunk: Chunk
    size: int
    utf8: bytes | None  # the raw bytes when they are the text's UTF-8


@dataclass
class Skips:
    """How many files a walk left out, by reason (one of SKIP_REASONS)."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, reason: str, count: int = 1) -> None:
        self.counts[reason] += count

    def as_pairs(self) -> tuple[tuple[str, int], ...]:
        return tuple((reason, self.counts[reason]) for reason in SKIP_REASONS if self.counts[reason])


@dataclass(frozen=True)
class WalkResult:
    refs: list[FileRef]
    errors: list[ScanError]
    skipped: Skips


class PathSpec(Protocol):
    def match_file(self, file: str) -> bool:
        """Whether gitignore-style patterns match this relative path (a directory's ends with `/`)."""


# A pattern that is a plain name: no glob, escape, negation or comment character, no slash but one
# at the end. Its gitignore meaning: any path component of that name (a directory only with `/`).
_PLAIN_NAME = re.compile(r"[^*?\[\]\\!#/\s][^*?\[\]\\/\s]*/?")


@dataclass(frozen=True)
class NameSpec:
    """Gitignore patterns that are all plain names (`node_modules/`, `__pycache__/`, `.venv`), the
    usual `--exclude`: matched by looking the path's components up, without importing pathspec
    (27 ms of a tree scan's start: it imports asyncio). Same answers as pathspec.GitIgnoreSpec."""

    names: frozenset[str]  # match a file or a directory
    directory_names: frozenset[str]  # written with a trailing `/`: match a directory only

    def match_file(self, file: str) -> bool:
        *directories, last = file.split("/")
        return last in self.names or any(d in self.names or d in self.directory_names for d in directories)


def gitignore_spec(lines: Sequence[str]) -> PathSpec:
    """A matcher for gitignore-style `lines` (an --exclude list, a .gitignore file)."""
    patterns = [line.rstrip("\r\n") for line in lines]
    patterns = [p for p in patterns if p]
    if all(_PLAIN_NAME.fullmatch(p) for p in patterns):  # (blanks at either end have meanings: pathspec)
        return NameSpec(frozenset(p for p in patterns if not p.endswith("/")),
                        frozenset(p[:-1] for p in patterns if p.endswith("/")))
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def iter_files(roots: Sequence[str], config: Config) -> tuple[list[FileRef], list[ScanError]]:
    """All files to scan under `roots`, sorted, with walk errors."""
    result = walk_files(roots, config)
    return result.refs, result.errors


def walk_files(roots: Sequence[str], config: Config) -> WalkResult:
    """All files to scan under `roots`, sorted, with walk errors and what was skipped."""
    refs: list[FileRef] = []
    errors: list[ScanError] = []
    skips = Skips()
    exclude = gitignore_spec(config.exclude)
    single_dir = len(roots) == 1 and os.path.isdir(roots[0])
    for root in roots:
        try:
            mode = os.stat(root).st_mode
        except OSError as exc:
            missing = exc.errno in (errno.ENOENT, errno.ENOTDIR)
            errors.append(ScanError(_clean(root), "no such file or directory" if missing
                                    else f"cannot read: {exc.strerror or exc}"))
            continue
        if stat.S_ISREG(mode):
            refs.append(FileRef(root, _clean(root), explicit=True, root=os.path.dirname(os.path.abspath(root))))
        elif stat.S_ISDIR(mode):
            walker = _Walker(root, "" if single_dir else _clean(root), exclude, config, errors, skips)
            refs.extend(walker.walk())
        else:  # a FIFO, socket or device named on the command line: never opened
            errors.append(ScanError(_clean(root), f"not a regular file ({_kind(mode)}): not read"))
    return WalkResult(sorted(refs, key=lambda r: r.display), errors, skips)


def _clean(path: str) -> str:
    return Path(path).as_posix().removeprefix("./")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


class _Walker:
    """One directory tree, walked with scandir (file types come with the listing)."""

    def __init__(self, root: str, prefix: str, exclude: PathSpec, config: Config,
                 errors: list[ScanError], skips: Skips) -> None:
        self.root, self.prefix, self.exclude, self.config = root, prefix, exclude, config
        self.errors, self.skips = errors, skips
        self.real_root = os.path.realpath(root)
        # (directory relative to root, its .gitignore spec), outermost first.
        self.ignores: list[tuple[str, PathSpec]] = []

    def walk(self) -> list[FileRef]:
        """Depth first with an explicit stack: a hostile tree's depth is no recursion limit."""
        found: list[FileRef] = []
        stack = [(self.root, "")]
        while stack:
            path, rel_dir = stack.pop()
            # Only the .gitignore files of this directory's ancestors apply.
            self.ignores[:] = [(b, s) for b, s in self.ignores if not b or rel_dir == b or rel_dir.startswith(b + "/")]
            subdirs = self._directory(path, rel_dir, found)
            stack.extend(reversed(subdirs))
        return found

    def _directory(self, path: str, rel_dir: str, found: list[FileRef]) -> list[tuple[str, str]]:
        """Adds the directory's files to `found`; returns its subdirectories to walk."""
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            shown = _join(self.prefix, rel_dir) or _clean(self.root)
            self.errors.append(ScanError(shown, f"cannot list directory: {exc.strerror or exc}"))
            return []
        gitignore = next((e for e in entries if e.name == ".gitignore"), None)
        if self.config.respect_gitignore and gitignore is not None and self._inside(gitignore.path):
            self.ignores.append((rel_dir, gitignore_spec(_read_lines(gitignore.path))))
        subdirs = []
        for entry in entries:
            rel = _join(rel_dir, entry.name)
            ref_or_dir = self._entry(entry, rel)
            if ref_or_dir == "dir":
                subdirs.append((entry.path, rel))
            elif isinstance(ref_or_dir, FileRef):
                found.append(ref_or_dir)
        return subdirs

    def _entry(self, entry: os.DirEntry[str], rel: str) -> FileRef | str | None:
        """A file to read, "dir" to descend into, or None (skipped and counted)."""
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name in SKIP_DIRS:
                    return None
                return self._skip_ignored(rel, True) or "dir"
            if self._skip_ignored(rel, False):
                return None
            suffix = os.path.splitext(entry.name)[1].lower()
            if suffix in BINARY_SUFFIXES and not (self.config.archives and suffix in ARCHIVE_SUFFIXES):
                self.skips.add("binary")
                return None
            if entry.is_symlink():
                return self._symlink(entry, rel)
            if not entry.is_file(follow_symlinks=False):
                self.skips.add("special")
                return None
        except OSError as exc:
            self.errors.append(ScanError(_join(self.prefix, rel), f"cannot stat: {exc.strerror or exc}"))
            return None
        return FileRef(entry.path, _join(self.prefix, rel), root=self.root)

    def _skip_ignored(self, rel: str, is_dir: bool) -> str | None:
        probe = rel + "/" if is_dir else rel
        if self.exclude.match_file(probe):
            self.skips.add("excluded")
            return "skip"
        for base, spec in self.ignores:
            if spec.match_file(probe[len(base) + 1:] if base else probe):
                self.skips.add("gitignored")
                return "skip"
        return None

    def _inside(self, path: str) -> bool:
        """`path`, links resolved, is inside the root (a .gitignore linked elsewhere is not read)."""
        target = os.path.realpath(path)
        return os.path.commonpath([self.real_root, target]) == self.real_root

    def _symlink(self, entry: os.DirEntry[str], rel: str) -> FileRef | None:
        """A link is read only when it stays inside the root and names a regular file;
        links to directories are not followed (no loops, no escaping)."""
        target = os.path.realpath(entry.path)
        if not self._inside(target):
            self.skips.add("symlink")
            return None
        try:
            mode = os.stat(target).st_mode
        except OSError:
            self.skips.add("symlink")  # dangling
            return None
        if stat.S_ISREG(mode):
            return FileRef(entry.path, _join(self.prefix, rel), root=self.root)
        self.skips.add("symlink" if stat.S_ISDIR(mode) else "special")
        return None


def _join(a: str, b: str) -> str:
    return f"{a}/{b}" if a else b


def _read_lines(path: str) -> list[str]:
    data = read_regular(path, 1 << 20)
    return data.decode("utf-8", "replace").splitlines() if isinstance(data, bytes) else []


class NotRegularFile(OSError):
    """The path is a FIFO, socket, device or directory: it is never read."""


def open_regular(path: str) -> int:
    """A file descriptor for a regular file. O_NONBLOCK: a FIFO swapped in since the
    walk cannot block the open, and fstat then refuses it."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, f"not a regular file ({_kind(mode)})", path)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: str, limit: int | None) -> bytes | int | OSError:
    """The bytes of a regular file; its size so far (an int over `limit`) when it holds
    more than `limit` bytes, whatever stat said; the OSError when it cannot be read."""
    try:
        fd = open_regular(path)
    except OSError as exc:
        return exc
    try:
        with os.fdopen(fd, "rb") as handle:
            if limit is None:
                return handle.read()
            data = handle.read(limit + 1)
            if len(data) <= limit:
                return data
            # Not read further: the size the file says it has, or at least what was read.
            return max(os.fstat(handle.fileno()).st_size, len(data))
    except OSError as exc:
        return exc


def read_file(ref: FileRef, max_size: int) -> LoadedFile | ScanError | None:
    """The file as a chunk; an error entry when unreadable or too big; None when binary."""
    # Named files are scanned whatever their size, but read whole only up to WHOLE_FILE_LIMIT
    # (the pipeline sends bigger ones to iter_windows; this bounds a file whose stat lies).
    limit = WHOLE_FILE_LIMIT if ref.explicit else max_size
    try:
        size = os.stat(ref.path).st_size
    except OSError as exc:
        return ScanError(ref.display, f"cannot read: {exc.strerror or exc}")
    if size > limit:
        return _too_big(ref, size, limit)
    data = read_regular(ref.path, limit)
    if isinstance(data, OSError):
        return ScanError(ref.display, f"cannot read: {data.strerror or data}")
    if isinstance(data, int):
        return _too_big(ref, data, limit)
    if is_binary(data):
        return None
    text, exact = decode(data)
    origin = Origin(kind="file", path=ref.display, fs_path=ref.path, fs_root=ref.root or None)
    return LoadedFile(Chunk(text, origin), len(data), data if exact else None)


@dataclass(frozen=True)
class OverSizeLimit(ScanError):
    """A file left out for its size: an error entry, and counted in `stats.skipped`."""


def _too_big(ref: FileRef, size: int, limit: int) -> ScanError:
    flag = "" if ref.explicit else " (--max-file-size)"
    return OverSizeLimit(ref.display, f"skipped: {size} bytes is over the size limit of {limit} bytes{flag}")


# ---- huge files named on the command line: overlapping windows ----------------



@dataclass(frozen=True)
class Window:
    """One window of a huge file. Findings at or after `next_start` (line, column; both
    1-based) belong to the next window, which holds them whole; None for the last."""

    chunk: Chunk
    utf8: bytes | None
    size: int  # bytes of the file this window is the first to cover
    next_start: tuple[int, int] | None


@dataclass(frozen=True)
class SkippedFile:
    reason: str  # one of SKIP_REASONS


def iter_windows(ref: FileRef, window: int = WINDOW_BYTES,
                 overlap: int = WINDOW_OVERLAP) -> Iterator[Window | ScanError | SkippedFile]:
    """The file as overlapping text windows, holding at most `window` bytes at a time.

    Windows start at a line start where one is near, so line numbers need only a
    count of the newlines before; a line longer than a window is cut and its
    column carried over."""
    if overlap * 2 > window:
        raise ValueError("the overlap must be at most half the window")
    try:
        handle = os.fdopen(open_regular(ref.path), "rb")
    except OSError as exc:
        yield ScanError(ref.display, f"cannot read: {exc.strerror or exc}")
        return
    with handle:
        yield from _windows(handle, ref, window, overlap)


def _windows(handle: BinaryIO, ref: FileRef, window: int, overlap: int) -> Iterator[Window | ScanError | SkippedFile]:
    buf = handle.read(window)
    if is_binary(buf):
        yield SkippedFile("binary")
        return
    if text_encoding(buf):
        yield ScanError(ref.display, f"UTF-16/32 text over {WHOLE_FILE_LIMIT} bytes is not scanned")
        return
    lines = columns = 0  # where `buf` starts: newlines before it, characters before it on its line
    fresh = len(buf)
    if buf.startswith(codecs.BOM_UTF8):
        buf = buf[len(codecs.BOM_UTF8):]
    while True:
        more = handle.read(window - len(buf))
        buf += more
        fresh += len(more)
        origin = Origin(kind="file", path=ref.display, line_offset=lines, column_offset=columns, fs_path=ref.path,
                        fs_root=ref.root or None)
        if len(buf) < window:  # the end of the file
            text, exact = _decode_window(buf)
            yield Window(Chunk(text, origin), buf if exact else None, fresh, None)
            return
        cut = _window_cut(buf, window - overlap)
        text, exact = _decode_window(buf)
        before = buf[:cut].decode("utf-8" if _is_utf8(text, buf) else "cp1252", "replace")
        newline = before.rfind("\n")
        lines += before.count("\n")
        columns = len(before) - newline - 1 if newline >= 0 else columns + len(before)
        yield Window(Chunk(text, origin), buf if exact else None, fresh, (lines + 1, columns + 1))
        buf, fresh = buf[cut:], 0


def _window_cut(buf: bytes, target: int) -> int:
    """Where the next window starts: just after the last newline before `target` when
    it is in the second half, else at `target` moved back to a UTF-8 character start."""
    newline = buf.rfind(b"\n", target // 2, target)
    if newline >= 0:
        return newline + 1
    cut = target
    while cut > target - 3 and 0x80 <= buf[cut] < 0xC0:
        cut -= 1
    return cut


def _is_utf8(text: str, buf: bytes) -> bool:
    return len(text) != len(buf) or text.isascii()


def _decode_window(buf: bytes) -> tuple[str, bool]:
    """UTF-8 when the window is UTF-8 (its last character may be cut by the window's
    end: that part is in the overlap, scanned whole by the next window)."""
    for trim in range(4):
        try:
            return buf[:len(buf) - trim].decode("utf-8"), trim == 0
        except UnicodeDecodeError as exc:
            if exc.start < len(buf) - 4:
                break
    return buf.decode("cp1252", "replace"), False
