"""The text a finding was found in, read again: a file under a scanned root, or a git blob; None when gone."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from leakscan.model import Location
from leakscan.sources.decode import decode
from leakscan.sources.git.repo import open_repository
from leakscan.sources.git.safe import GitError, GitRunner

MAX_SOURCE_BYTES = 25 * 1024 * 1024


@dataclass
class SourceReader:
    """Reads locations relative to the scanned ROOTS (directories, or files named on the command line)."""

    roots: tuple[str, ...]
    _texts: dict[tuple[str, str | None], str | None] = field(default_factory=dict)
    _runner: GitRunner | None = None

    def text(self, location: Location) -> str | None:
        key = (location.path, location.blob or location.commit)
        if key not in self._texts:
            self._texts[key] = self._read(location)
        return self._texts[key]

    def _read(self, location: Location) -> str | None:
        if "!/" in location.path or location.layers:
            return None  # an archive member or a decoded value: its text is not a file of its own
        if location.blob:
            return self._blob(location.blob)
        if location.commit:
            return self._blob(f"{location.commit}:{location.path}")
        for candidate in self._candidates(location.path):
            if os.path.isfile(candidate):
                try:
                    with open(candidate, "rb") as handle:
                        return decode(handle.read(MAX_SOURCE_BYTES))[0]
                except OSError:
                    return None
        return None

    def _candidates(self, path: str) -> list[str]:
        out = []
        for root in self.roots or (".",):
            if os.path.isdir(root):
                out.append(os.path.join(root, path))
            elif os.path.normpath(root) == os.path.normpath(path) or os.path.basename(root) == path:
                out.append(root)
        return out

    def _blob(self, name: str) -> str | None:
        runner = self._git()
        if runner is None:
            return None
        try:
            data = runner.run(["cat-file", "blob", name])
        except GitError:
            return None
        return decode(data[:MAX_SOURCE_BYTES])[0]

    def _git(self) -> GitRunner | None:
        if self._runner is None:
            for root in self.roots or (".",):
                try:
                    self._runner = open_repository(root if os.path.isdir(root) else os.path.dirname(root) or ".").runner
                    break
                except GitError:
                    continue
        return self._runner


def secret_at(text: str, location: Location) -> str | None:
    """The characters between the location's start and end (1-based lines and columns, end exclusive)."""
    if not (location.line and location.column and location.end_line and location.end_column):
        return None
    lines = text.splitlines(keepends=True)
    if location.end_line > len(lines):
        return None
    start = sum(len(line) for line in lines[: location.line - 1]) + location.column - 1
    end = sum(len(line) for line in lines[: location.end_line - 1]) + location.end_column - 1
    return text[start:end] if 0 <= start < end <= len(text) else None


def offset_of_line(text: str, line: int | None) -> int:
    if not line or line <= 1:
        return 0
    position = 0
    for _ in range(line - 1):
        position = text.find("\n", position) + 1
        if position == 0:
            return len(text)
    return position
