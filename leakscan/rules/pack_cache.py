"""Validated rule packs cached as JSON, keyed by the pack's bytes.

Start-up matters for a pre-commit hook: parsing ~300 rules and compiling
their regexes for validation costs ~0.3 s, reading this cache ~5 ms. JSON,
not pickle, so a tampered cache file can at worst fail to load.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from leakscan.cache import cache_dir, write_atomic
from leakscan.model import MaskSpec, Rule

FORMAT = "1"
_TUPLE_FIELDS = tuple(f.name for f in dataclasses.fields(Rule) if str(f.type).startswith("tuple"))


def _path(raw: bytes, name: str) -> Path:
    from leakscan import __version__

    key = hashlib.sha256(f"{FORMAT}\0{__version__}\0{name}\0".encode() + raw).hexdigest()[:32]
    return cache_dir() / f"rules-{key}.json"


def read(raw: bytes, name: str) -> list[Rule] | None:
    try:
        data = json.loads(_path(raw, name).read_text(encoding="utf-8"))
        return [_rule(item) for item in data]
    except (OSError, ValueError, TypeError, KeyError):
        return None


def write(raw: bytes, name: str, rules: list[Rule]) -> None:
    write_atomic(_path(raw, name), json.dumps([dataclasses.asdict(r) for r in rules]).encode("utf-8"))


def _rule(item: dict[str, Any]) -> Rule:
    fields = dict(item)
    fields["mask"] = MaskSpec(**fields["mask"])
    for name in _TUPLE_FIELDS:
        fields[name] = tuple(fields[name])
    return Rule(**fields)
