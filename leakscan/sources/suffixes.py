"""File types by name: the suffixes never worth reading, and those opened as archives."""
from __future__ import annotations

# Apart from files.py so that a staged or history scan tells them without loading the tree walk
# (issue 20.3: the hook's start-up).

# Never worth reading: compiled, media and archive files.
BINARY_SUFFIXES = frozenset([
    ".pyc", ".pyo", ".so", ".o", ".a", ".dll", ".dylib", ".exe", ".class", ".jar", ".war", ".whl", ".egg",
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".tif", ".tiff", ".psd",
    ".mp3", ".mp4", ".wav", ".ogg", ".flac", ".avi", ".mov", ".mkv", ".webm",
    ".woff", ".woff2", ".ttf", ".otf", ".eot",
    ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".tar",
    ".pdf", ".db", ".sqlite", ".bin", ".dat", ".pack", ".idx", ".iso", ".dmg",
])
# Opened (by content) unless --no-archives: sources/containers reads their members.
ARCHIVE_SUFFIXES = frozenset([".jar", ".war", ".ear", ".whl", ".egg", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".tar"])
