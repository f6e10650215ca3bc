"""Validated rule packs cached as JSON, keyed by the pack's bytes.

Start-up matters for a pre-commit hook: parsing ~300 rules and compiling
their regexes for validation costs ~0.3 s, reading this cache ~5 ms. The
packs a scan loads together are also cached as one file (`read_set`), so
start-up reads one cache file, not one per pack, and their digest (the report's
rules_hash) beside it. JSON, not pickle, so a
tampered cache file can at worst fail to load.
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
_FIELDS = frozenset(f.name for f in dataclasses.fields(Rule))


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


def set_key(packs: list[tuple[str, bytes]]) -> str:
    """The cache key of the packs a scan loads together (name and bytes of each, in order)."""
    from leakscan import __version__

    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0set".encode())
    for name, raw in packs:
        digest.update(f"\0{name}\0{len(raw)}\0".encode() + raw)
    return digest.hexdigest()[:32]


def read_set(key: str, count: int) -> list[list[Rule]] | None:
    """The rules of each of the `count` packs of `key` from one cache file; None when not cached."""
    try:
        data = json.loads((cache_dir() / f"ruleset-{key}.json").read_text(encoding="utf-8"))
        if len(data) != count:
            return None
        return [[_rule(item) for item in pack] for pack in data]
    except (OSError, ValueError, TypeError, KeyError):
        return None


def write_set(key: str, rules: list[list[Rule]]) -> None:
    document = [[dataclasses.asdict(r) for r in pack] for pack in rules]
    write_atomic(cache_dir() / f"ruleset-{key}.json", json.dumps(document).encode("utf-8"))


def _digest_path(key: str, disabled: frozenset[str]) -> Path:
    off = hashlib.sha256("\0".join(sorted(disabled)).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return cache_dir() / f"ruleset-{key}-{off}.digest"


def read_digest(key: str, disabled: frozenset[str]) -> str | None:
    """rules_digest of the packs of `key` without the `disabled` rules, as computed before; None if not."""
    try:
        text = _digest_path(key, disabled).read_text(encoding="ascii")
    except (OSError, ValueError):
        return None
    return text if len(text) == 16 and not text.strip("0123456789abcdef") else None


def write_digest(key: str, disabled: frozenset[str], digest: str) -> None:
    write_atomic(_digest_path(key, disabled), digest.encode("ascii"))


def _rule(item: dict[str, Any]) -> Rule:
    fields = dict(item)
    if fields.keys() != _FIELDS:  # written by another version of Rule: parsed again
        raise KeyError("rule fields")
    fields["mask"] = MaskSpec(**fields["mask"])
    for name in _TUPLE_FIELDS:
        fields[name] = tuple(fields[name])
    # The fields of a rule validated when the pack was parsed, set as pickle sets them: the same
    # Rule as Rule(**fields), without a frozen __init__ per rule (5 ms of each hook's start-up).
    rule = object.__new__(Rule)
    rule.__dict__.update(fields)
    return rule
