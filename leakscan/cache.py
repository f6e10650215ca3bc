"""The on-disk cache (compiled prefilter databases, validated rule packs)."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    root = os.environ.get("LEAKSCAN_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "leakscan"


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and a rename, so a concurrent reader never
    sees half a file; an unwritable cache only costs time on the next run."""
    import tempfile  # only when the cache is written, never when a warm cache is read (issue 20.3)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except OSError:
        pass
