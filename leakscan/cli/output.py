"""Where the command line reads and writes: `-` for stdin/stdout, whole-or-nothing output files, colour.

An output file is written to a temporary file in its own directory and renamed
over the target only when complete, so a full disk or a killed process never
leaves a truncated report, baseline or "sanitized" copy behind.
"""
from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable
from typing import TextIO

from leakscan.reporters.text import printable

STDIO = "-"


class OutputError(Exception):
    """An output could not be written; the message is one line, the target left as it was."""


class InputError(Exception):
    """A path named on the command line cannot be read."""


def is_stdio(path: str | None) -> bool:
    return path is None or path == STDIO


def color_wanted(stream: TextIO, no_color: bool) -> bool:
    """Colour only on a terminal, and never with --no-color or NO_COLOR set to anything (no-color.org)."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def read_stdin() -> bytes:
    return sys.stdin.buffer.read()


def check_readable(path: str) -> None:
    """Raise InputError unless PATH (a file or directory named by the user) exists and can be read.

    Only opens regular files and lists directories: a FIFO or device named here is left to the
    scan, which reads regular files only, so this check can never block."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            with os.scandir(path):
                pass
        elif stat.S_ISREG(info.st_mode):
            with open(path, "rb"):
                pass
        elif not os.access(path, os.R_OK):
            raise PermissionError(13, "Permission denied", path)
    except OSError as exc:
        raise InputError(f"cannot read {printable(path)}: {_reason(exc)}") from exc


def write_output(path: str, write: Callable[[TextIO], object], newline: str | None = None) -> None:
    """Write PATH whole or not at all: through a temporary file beside it, renamed when complete.

    A path that is not a regular file (/dev/null, a FIFO) is written directly: renaming over
    it would replace the device."""
    target = os.path.realpath(path)
    if os.path.exists(target) and not os.path.isfile(target):
        try:
            with open(target, "w", encoding="utf-8", newline=newline) as handle:
                write(handle)
        except OSError as exc:
            raise OutputError(f"cannot write {printable(path)}: {_reason(exc)}") from exc
        return
    import tempfile  # only for an output file; a hook writes to stdout (issue 20.3)

    tmp: str | None = None
    try:
        mode = _mode_for(target)
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                                   dir=os.path.dirname(target))
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise OutputError(f"cannot write {printable(path)}: {_reason(exc)}; nothing was written") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _mode_for(target: str) -> int:
    """Keep an existing file's permissions; a new file gets what open() would give it."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)
