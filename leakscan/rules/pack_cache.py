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
import gc
import hashlib
import json
from pathlib import Path
from typing import Any

from leakscan.cache import cache_dir, write_atomic
from leakscan.model import MaskSpec, Rule

# 2: each rule a row of its field values, the field names once in the document (format 1 repeated every
# name in every rule: a quarter more bytes, and json.loads builds a dict per rule; 4 ms of each start-up).
FORMAT = "2"
_FIELDS = [f.name for f in dataclasses.fields(Rule)]
_MASK_FIELDS = [f.name for f in dataclasses.fields(MaskSpec)]
_TUPLE_FIELDS = tuple(f.name for f in dataclasses.fields(Rule) if str(f.type).startswith("tuple"))


def _path(raw: bytes, name: str) -> Path:
    from leakscan import __version__

    key = hashlib.sha256(f"{FORMAT}\0{__version__}\0{name}\0".encode() + raw).hexdigest()[:32]
    return cache_dir() / f"rules-{key}.json"


def read(raw: bytes, name: str) -> list[Rule] | None:
    try:
        (rules,) = _decode(_path(raw, name).read_bytes(), 1)
        return rules
    except (OSError, ValueError, TypeError, KeyError):
        return None


def write(raw: bytes, name: str, rules: list[Rule]) -> None:
    write_atomic(_path(raw, name), _encode([rules]))


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
        return _decode((cache_dir() / f"ruleset-{key}.json").read_bytes(), count)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def write_set(key: str, rules: list[list[Rule]]) -> None:
    write_atomic(cache_dir() / f"ruleset-{key}.json", _encode(rules))


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


def _encode(packs: list[list[Rule]]) -> bytes:
    """The cache document of PACKS: the field names, then each rule as a row of values."""
    def row(rule: Rule) -> list[Any]:
        values = [getattr(rule, name) for name in _FIELDS]
        values[_FIELDS.index("mask")] = [getattr(rule.mask, name) for name in _MASK_FIELDS]
        return values

    document = {"fields": _FIELDS, "mask": _MASK_FIELDS, "packs": [[row(r) for r in pack] for pack in packs]}
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def _decode(data: bytes, count: int) -> list[list[Rule]]:
    """The rules of each of COUNT packs; ValueError or KeyError for another document (another version of Rule:
    the packs are parsed again)."""
    # Neither JSON nor the rules made from it hold a reference cycle: the collector, which the ~20,000
    # new lists and records would start a dozen times over a start-up's heap, has nothing to find (2 ms).
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = json.loads(data)
        packs = document["packs"]
        if document["fields"] != _FIELDS or document["mask"] != _MASK_FIELDS or len(packs) != count:
            raise KeyError("rule fields")
        masks: dict[tuple[Any, ...], MaskSpec] = {}  # a few masks shared by hundreds of rules: one MaskSpec each
        return [[_rule(row, masks) for row in pack] for pack in packs]
    finally:
        if collecting:
            gc.enable()


def _rule(row: list[Any], masks: dict[tuple[Any, ...], MaskSpec]) -> Rule:
    # The fields of a rule validated when the pack was parsed, set as pickle sets them: the same
    # Rule as Rule(**fields), without a frozen __init__ per rule (5 ms of each hook's start-up).
    rule = object.__new__(Rule)
    fields = rule.__dict__
    fields.update(zip(_FIELDS, row, strict=True))  # ValueError: a row of another Rule
    mask = tuple(fields["mask"])
    fields["mask"] = masks.get(mask) or masks.setdefault(mask, MaskSpec(*mask))
    for name in _TUPLE_FIELDS:
        fields[name] = tuple(fields[name])
    return rule
