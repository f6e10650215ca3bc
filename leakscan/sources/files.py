"""Files in a tree: .gitignore and --exclude respected, binaries and huge files skipped."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Union

import pathspec

from leakscan.config import Config
from leakscan.model import Chunk, Origin, ScanError
from leakscan.sources.decode import decode, is_binary

# Never worth reading: compiled, media and archive files.
BINARY_SUFFIXES = frozenset("""
.pyc .pyo .so .o .a .dll .dylib .exe .class .jar .war .whl .egg .png .jpg .jpeg .gif .bmp .ico .webp
.tif .tiff .psd .mp3 .mp4 .wav .ogg .flac .avi .mov .mkv .webm .woff .woff2 .ttf .otf .eot .zip .gz
.tgz .bz2 .xz .zst .7z .rar .tar .pdf .db .sqlite .bin .dat .pack .idx .iso .dmg
""".split())
SKIP_DIRS = frozenset({".git", ".hg", ".svn"})


@dataclass(frozen=True)
class FileRef:
    path: str  # filesystem path to open
    display: str  # path as reports show it (relative to the scanned root)
    # Named on the command line rather than found by walking a tree: the size
    # limit guards walks from stray dumps, not an audit of a 200 MB HAR.
    explicit: bool = False


@dataclass(frozen=True)
class LoadedFile:
    chunk: Chunk
    size: int
    utf8: Optional[bytes]  # the raw bytes when they are the text's UTF-8


def _spec(lines: Sequence[str]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(lines)


def iter_files(roots: Sequence[str], config: Config) -> tuple[list[FileRef], list[ScanError]]:
    """All files to scan under `roots`, sorted, with walk errors."""
    refs: list[FileRef] = []
    errors: list[ScanError] = []
    exclude = _spec(config.exclude)
    single_dir = len(roots) == 1 and os.path.isdir(roots[0])
    for root in roots:
        if os.path.isfile(root):
            refs.append(FileRef(root, _clean(root), explicit=True))
        elif os.path.isdir(root):
            refs.extend(_walk(root, "" if single_dir else _clean(root), exclude, config, errors))
        else:
            errors.append(ScanError(root, "no such file or directory"))
    return sorted(refs, key=lambda r: r.display), errors


def _clean(path: str) -> str:
    return Path(path).as_posix().removeprefix("./")


def _walk(root: str, prefix: str, exclude: pathspec.PathSpec, config: Config,
          errors: list[ScanError]) -> list[FileRef]:
    found: list[FileRef] = []
    # Stack of (directory relative to root, its .gitignore spec).
    ignores: list[tuple[str, pathspec.PathSpec]] = []

    def ignored(rel: str, is_dir: bool) -> bool:
        probe = rel + "/" if is_dir else rel
        if exclude.match_file(probe):
            return True
        for base, spec in ignores:
            if base and not rel.startswith(base + "/"):
                continue
            if spec.match_file(probe[len(base) + 1:] if base else probe):
                return True
        return False

    def on_error(exc: OSError) -> None:
        errors.append(ScanError(_join(prefix, os.path.relpath(exc.filename or root, root)), f"cannot list: {exc.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        ignores[:] = [(b, s) for b, s in ignores if not b or rel_dir == b or rel_dir.startswith(b + "/")]
        if config.respect_gitignore and ".gitignore" in filenames:
            lines = _read_lines(os.path.join(dirpath, ".gitignore"))
            ignores.append((rel_dir, _spec(lines)))
        dirnames[:] = sorted(d for d in dirnames
                             if d not in SKIP_DIRS and not ignored(_join(rel_dir, d), True))
        for name in sorted(filenames):
            rel = _join(rel_dir, name)
            if ignored(rel, False) or os.path.splitext(name)[1].lower() in BINARY_SUFFIXES:
                continue
            full = os.path.join(dirpath, name)
            if os.path.islink(full) and not os.path.exists(full):
                continue
            found.append(FileRef(full, _join(prefix, rel)))
    return found


def _join(a: str, b: str) -> str:
    return f"{a}/{b}" if a else b


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()
    except OSError:
        return []


def read_file(ref: FileRef, max_size: int) -> Union[LoadedFile, ScanError, None]:
    """The file as a chunk; an error entry when unreadable or too big; None when binary."""
    try:
        size = os.path.getsize(ref.path)
        if size > max_size and not ref.explicit:
            return ScanError(ref.display, f"skipped: {size} bytes is over the size limit of {max_size} bytes (--max-file-size)")
        with open(ref.path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return ScanError(ref.display, f"cannot read: {exc.strerror or exc}")
    if is_binary(data):
        return None
    text, exact = decode(data)
    return LoadedFile(Chunk(text, Origin(kind="file", path=ref.display, fs_path=ref.path)), len(data), data if exact else None)
