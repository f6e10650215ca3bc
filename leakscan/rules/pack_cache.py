"""Validated rule packs cached as JSON, keyed by the pack's bytes.

Start-up matters for a pre-commit hook: parsing ~300 rules and compiling
their regexes for validation costs ~0.3 s, reading this cache ~5 ms. JSON,
not pickle, so a tampered cache file can at worst fail to load.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Optional

from leakscan.model import MaskSpec, Rule

FORMAT = "1"
_TUPLE_FIELDS = tuple(f.name for f in dataclasses.fields(Rule) if str(f.type).startswith("tuple"))


def cache_dir() -> Path:
    root = os.environ.get("LEAKSCAN_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "leakscan"


def _path(raw: bytes, name: str) -> Path:
    from leakscan import __version__

    key = hashlib.sha256(f"{FORMAT}\0{__version__}\0{name}\0".encode() + raw).hexdigest()[:32]
    return cache_dir() / f"rules-{key}.json"


def read(raw: bytes, name: str) -> Optional[list[Rule]]:
    try:
        data = json.loads(_path(raw, name).read_text(encoding="utf-8"))
        return [_rule(item) for item in data]
    except (OSError, ValueError, TypeError, KeyError):
        return None


def write(raw: bytes, name: str, rules: list[Rule]) -> None:
    path = _path(raw, name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rules-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump([dataclasses.asdict(r) for r in rules], out)
        os.replace(tmp, path)
    except OSError:
        pass  # no cache, only slower start-ups


def _rule(item: dict) -> Rule:
    fields = dict(item)
    fields["mask"] = MaskSpec(**fields["mask"])
    for name in _TUPLE_FIELDS:
        fields[name] = tuple(fields[name])
    return Rule(**fields)
