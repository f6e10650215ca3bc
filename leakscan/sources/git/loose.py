"""Loose objects read from the object directory: a just-staged blob without a cat-file process."""
from __future__ import annotations

import hashlib
import os
import stat
import zlib
from typing import BinaryIO

from leakscan.sources.git.safe import GitRunner

# A hook's environment may point git at another object store (a quarantine during a push):
# then git alone knows where objects are.
_REDIRECTS = ("GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH")
_HEAD_BYTES = 4096  # enough compressed input for the header ("blob <size>\0")
_HEADER_LIMIT = 32


def loose_objects_dir(runner: GitRunner) -> str | None:
    """Where the repository keeps its loose objects, unless the environment redirects them."""
    if any(runner.env.get(name) for name in _REDIRECTS):
        return None
    return os.path.join(_common_dir(runner.git_dir), "objects")


def _common_dir(git_dir: str) -> str:
    """The git directory that holds the objects: a linked worktree's (`git worktree add`) names the
    repository's own in its `commondir` file, a path relative to it or absolute."""
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            named = handle.read(4096).strip()
    except (OSError, UnicodeDecodeError):
        return git_dir
    return os.path.normpath(os.path.join(git_dir, named)) if named else git_dir


def read_loose_blob(objects_dir: str, sha: str, max_size: int) -> bytes | int | None:
    """The blob's content; its size (an int, nothing decompressed) when that is over `max_size`;
    None when it is not a loose blob this can read and verify (packed, absent, another kind of
    object, corrupt): `git cat-file` answers then. The content is returned only when it hashes to
    `sha`, so it is exactly what git would give."""
    if len(sha) not in (40, 64) or sha.strip("0123456789abcdef"):
        return None
    try:
        fd = os.open(os.path.join(objects_dir, sha[:2], sha[2:]), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # never a FIFO or a device
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return _inflate(handle.read(_HEAD_BYTES), handle, sha, max_size)
    except (OSError, zlib.error, ValueError):
        return None
    finally:
        os.close(fd)


def _inflate(head: bytes, handle: BinaryIO, sha: str, max_size: int) -> bytes | int | None:
    inflater = zlib.decompressobj()
    start = inflater.decompress(head, _HEADER_LIMIT)
    kind, space, rest = start.partition(b" ")
    size_text, nul, content = rest.partition(b"\0")
    if kind != b"blob" or not space or not nul or not size_text.isdigit():
        return None
    size = int(size_text)
    if size > max_size:
        return size
    # Deflate grows incompressible data by well under 1/64: a longer file is not this blob alone.
    compressed = inflater.unconsumed_tail + handle.read(size + size // 64 + 1024)
    content += inflater.decompress(compressed, size - len(content) + 1)  # one byte more shows an overlong object
    if len(content) != size or not inflater.eof or inflater.unused_data:  # git too refuses trailing bytes
        return None
    digest = hashlib.sha1 if len(sha) == 40 else hashlib.sha256
    if digest(b"blob %d\0" % size + content).hexdigest() != sha:
        return None
    return content
