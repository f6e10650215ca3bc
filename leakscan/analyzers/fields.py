"""Classify field and property names as sensitive kinds; recognise masking hints.

Shared by the spec scanner (response schemas) and the capture scanner (JSON
keys). The vocabulary is data: patterns/_sensitive_fields.yaml.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from leakscan.model import MaskSpec
from leakscan.resources import data_table


@dataclass(frozen=True)
class FieldKind:
    kind: str  # e.g. ssn, card_number, password
    label: str
    category: str  # pii | secret
    mask: MaskSpec
    suggestion: str


@dataclass(frozen=True)
class _Vocabulary:
    kinds: dict[str, FieldKind]
    names: dict[str, str]  # normalised name -> kind
    contains: tuple[tuple[str, str], ...]  # (fragment, kind), longest first
    hint_names: tuple[str, ...]
    hint_descriptions: tuple[str, ...]
    hint_formats: frozenset[str]
    hint_extensions: frozenset[str]
    masked_pattern: re.Pattern[str]


def normalise(name: str) -> str:
    """`cardNumber`, `card_number`, `Card-Number` → `cardnumber`."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@functools.lru_cache(maxsize=1)
def vocabulary() -> _Vocabulary:
    data = data_table("_sensitive_fields.yaml")
    kinds: dict[str, FieldKind] = {}
    names: dict[str, str] = {}
    contains: list[tuple[str, str]] = []
    for kind, spec in data["kinds"].items():
        mask = spec.get("mask", {})
        kinds[kind] = FieldKind(kind, spec["label"], spec["category"],
                                MaskSpec(mask.get("keep_prefix", 0), mask.get("keep_suffix", 0),
                                         mask.get("style", "redact")),
                                spec["suggestion"])
        for name in spec.get("names", ()):
            names.setdefault(normalise(name), kind)
        contains.extend((normalise(f), kind) for f in spec.get("contains", ()))
    hints = data["masked_hints"]
    return _Vocabulary(
        kinds=kinds, names=names,
        contains=tuple(sorted(contains, key=lambda fk: -len(fk[0]))),
        hint_names=tuple(normalise(h) for h in hints["name_contains"]),
        hint_descriptions=tuple(h.lower() for h in hints["description_contains"]),
        hint_formats=frozenset(hints["formats"]),
        hint_extensions=frozenset(hints["extensions"]),
        masked_pattern=re.compile(hints["masked_pattern"]),
    )


def classify_field(name: str) -> FieldKind | None:
    """The sensitive kind a field name denotes, or None. Masking hints in the
    name (`card_last4`, `masked_pan`) make it not sensitive."""
    vocab = vocabulary()
    norm = normalise(name)
    kind: str | None
    if norm in vocab.names:
        kind, word = vocab.names[norm], norm
    else:
        kind, word = next(((k, frag) for frag, k in vocab.contains if frag in norm), (None, ""))
    # Hints count outside the sensitive word only: `accountnumber` holds `count`.
    if kind is None or _hints_in(norm.replace(word, " ", 1)):
        return None
    return vocab.kinds[kind]


def name_says_masked(name: str) -> bool:
    return _hints_in(normalise(name))


def _hints_in(norm: str) -> bool:
    return any(h in norm for h in vocabulary().hint_names if len(h) > 3 or norm.endswith(h) or norm.startswith(h))


def schema_says_masked(schema: Mapping[str, Any]) -> str | None:
    """Why a (property) schema shows its value is masked, or None."""
    vocab = vocabulary()
    desc = str(schema.get("description", "") or "").lower()
    hit = next((h for h in vocab.hint_descriptions if h in desc), None)
    if hit:
        return f"description says {hit!r}"
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt.lower() in vocab.hint_formats:
        return f"format {fmt}"
    for ext in vocab.hint_extensions:
        if schema.get(ext) is True:
            return f"{ext}: true"
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and vocab.masked_pattern.search(pattern):
        return f"pattern {pattern!r} only admits masked values"
    if schema.get("writeOnly") is True:
        return "writeOnly"
    return None


def kinds() -> Iterable[FieldKind]:
    return vocabulary().kinds.values()
