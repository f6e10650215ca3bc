"""Which repositories a run scans: local paths, clone URLs, --from files and directories of repositories."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

URL_PREFIXES = ("https://", "http://", "ssh://", "git://", "file://", "git@")


@dataclass(frozen=True)
class Target:
    """One repository: how the report names it and where it is read from."""

    name: str  # as given (a path or URL), or the forge's full name (org/repo)
    location: str  # a local path or a clone URL
    forge: str = ""  # github | gitlab: its token (from the environment) authenticates the clone


class TargetError(ValueError):
    """A target that names no repository; the message says which and why."""


def is_url(text: str) -> bool:
    return text.startswith(URL_PREFIXES)


def is_repository(path: str) -> bool:
    """A work tree (has .git) or a bare repository (HEAD, objects/ and refs/)."""
    if os.path.exists(os.path.join(path, ".git")):
        return True
    return all(os.path.exists(os.path.join(path, part)) for part in ("HEAD", "objects", "refs"))


def repositories_under(root: str) -> Iterator[str]:
    """Every repository below a directory, sorted; a repository's own subdirectories are not searched."""
    for current, dirs, _ in os.walk(root):
        dirs.sort()
        if current != root and is_repository(current):
            dirs.clear()
            yield current
            continue
        dirs[:] = [d for d in dirs if d != ".git" and not os.path.islink(os.path.join(current, d))]


def targets_from(given: Iterable[str]) -> list[Target]:
    """Paths and URLs as given: a repository is itself, a directory that is none stands for
    every repository under it. Order kept, duplicates dropped."""
    found: dict[str, Target] = {}
    for item in given:
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        if is_url(item):
            found.setdefault(item, Target(item, item))
        elif is_repository(item):
            found.setdefault(item, Target(item, os.path.abspath(item)))
        elif os.path.isdir(item):
            under = list(repositories_under(item))
            if not under:
                raise TargetError(f"{item}: no git repository in this directory")
            for path in under:
                found.setdefault(path, Target(path, os.path.abspath(path)))
        else:
            raise TargetError(f"{item}: neither a repository, a directory of repositories nor a clone URL")
    return list(found.values())


def read_target_file(path: str) -> list[str]:
    """--from FILE: one path or URL a line; blank lines and # comments skipped."""
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith("#")]
