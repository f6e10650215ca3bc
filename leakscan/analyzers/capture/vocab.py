"""The capture vocabulary (patterns/_capture_fields.yaml): header, cookie and URL names."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from leakscan.analyzers.fields import normalise
from leakscan.resources import data_table


@dataclass(frozen=True)
class NameSet:
    names: frozenset[str]
    contains: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    # Header and cookie names repeat in every entry of a capture: each is judged once.
    _seen: dict[str, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def has(self, name: str) -> bool:
        hit = self._seen.get(name)
        if hit is None:
            if len(self._seen) > 65536:
                self._seen.clear()
            hit = self._seen[name] = _has(self, name)
        return hit


def _has(names: NameSet, name: str) -> bool:
    norm = normalise(name)
    if norm in names.names or any(c in norm for c in names.contains) or norm.endswith(names.suffixes):
        return True
    bare = name.lower().lstrip("_")
    return any(bare == p or bare.startswith((p + "_", p + "-", p + ".")) for p in names.prefixes)


@dataclass(frozen=True)
class CaptureVocabulary:
    authorization_headers: NameSet
    credential_headers: NameSet
    version_headers: NameSet
    url_headers: NameSet
    ignored_headers: NameSet
    session_cookies: NameSet
    ignored_cookies: NameSet
    numeric_session_cookies: NameSet
    unknown_cookie_min_length: int
    unknown_cookie_min_entropy: float
    strong_params: NameSet
    weak_params: NameSet
    ignored_params: NameSet
    weak_min_length: int
    weak_min_entropy: float
    csrf_fields: frozenset[str]
    person_keys: NameSet
    identifier_keys: NameSet
    identifier_suffixes: tuple[str, ...]
    trace_keys: NameSet
    json_not_claimed: frozenset[str]

    def is_identifier_key(self, name: str) -> bool:
        norm = normalise(name)
        return norm in self.identifier_keys.names or (
            len(norm) > 4 and any(norm.endswith(s) for s in self.identifier_suffixes))


def _names(values: Any) -> frozenset[str]:
    return frozenset(normalise(str(v)) for v in values or ())


def _set(spec: Any) -> NameSet:
    if isinstance(spec, list):
        return NameSet(_names(spec))
    return NameSet(_names(spec.get("names")), tuple(normalise(c) for c in spec.get("contains", ())),
                   tuple(str(p).lower() for p in spec.get("prefixes", ())),
                   tuple(normalise(s) for s in spec.get("suffixes", ())))


@functools.lru_cache(maxsize=1)
def vocabulary() -> CaptureVocabulary:
    data = data_table("_capture_fields.yaml")
    headers, cookies, params = data["headers"], data["cookies"], data["url_params"]
    return CaptureVocabulary(
        authorization_headers=_set(headers["authorization"]),
        credential_headers=_set(headers["credential"]),
        version_headers=_set(headers["version"]),
        url_headers=_set(headers["url"]),
        ignored_headers=_set(headers["ignored"]),
        session_cookies=_set(cookies["session"]),
        ignored_cookies=_set(cookies["ignored"]),
        numeric_session_cookies=_set(cookies.get("numeric_session", [])),
        unknown_cookie_min_length=int(cookies["unknown_min_length"]),
        unknown_cookie_min_entropy=float(cookies["unknown_min_entropy"]),
        strong_params=_set(params["strong"]),
        weak_params=_set(params["weak"]),
        ignored_params=_set(params["ignored"]),
        weak_min_length=int(params["weak_min_length"]),
        weak_min_entropy=float(params["weak_min_entropy"]),
        csrf_fields=frozenset(str(name).lower() for name in params.get("csrf_fields", ())),
        person_keys=_set(data.get("person_keys", [])),
        identifier_keys=_set(data["identifier_keys"]),
        identifier_suffixes=tuple(data["identifier_keys"]["suffixes"]),
        trace_keys=_set(data["trace_keys"]),
        json_not_claimed=frozenset(data["json_not_claimed"]),
    )
