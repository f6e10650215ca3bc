"""Named heuristic filters a rule can opt into (`filters:` in the pack).

Most come from detect-secrets' heuristics so leakscan agrees with the tool
teams already tuned; each returns a reason when the candidate looks fake.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

# filter(secret, line) -> reason or None
Filter = Callable[[str, str], str | None]


def _likely_id(secret: str, line: str) -> str | None:
    ds = heuristics()
    return "looks like an id (detect-secrets is_likely_id_string)" if ds.is_likely_id_string(secret, line) else None


def _templated(secret: str, line: str) -> str | None:
    ds = heuristics()
    return "templated value (detect-secrets is_templated_secret)" if ds.is_templated_secret(secret) else None


def _sequential(secret: str, line: str) -> str | None:
    ds = heuristics()
    return "sequential characters (detect-secrets is_sequential_string)" if ds.is_sequential_string(secret) else None


def _indirect(secret: str, line: str) -> str | None:
    ds = heuristics()
    # detect-secrets asks about the whole line: `secret = get_secret()`.
    return "indirect reference (detect-secrets is_indirect_reference)" if ds.is_indirect_reference(line) else None


def _uuid(secret: str, line: str) -> str | None:
    ds = heuristics()
    return "looks like a UUID (detect-secrets is_potential_uuid)" if ds.is_potential_uuid(secret) else None


def _not_alnum(secret: str, line: str) -> str | None:
    ds = heuristics()
    if not ds.is_not_alphanumeric_string(secret):
        return None
    return "no letters or digits (detect-secrets is_not_alphanumeric_string)"


def _dollar(secret: str, line: str) -> str | None:
    ds = heuristics()
    if not ds.is_prefixed_with_dollar_sign(secret):
        return None
    return "variable reference (detect-secrets is_prefixed_with_dollar_sign)"


class _Heuristics(Protocol):
    """The part of `detect_secrets.filters.heuristic` used here (the package ships no type information)."""

    def is_likely_id_string(self, secret: str, line: str) -> bool: ...
    def is_templated_secret(self, secret: str) -> bool: ...
    def is_sequential_string(self, secret: str) -> bool: ...
    def is_indirect_reference(self, line: str) -> bool: ...
    def is_potential_uuid(self, secret: str) -> bool: ...
    def is_not_alphanumeric_string(self, secret: str) -> bool: ...
    def is_prefixed_with_dollar_sign(self, secret: str) -> bool: ...


def heuristics() -> _Heuristics:
    # Imported on first use: detect-secrets costs ~70 ms to import, and most
    # scans (and every pre-commit run without candidates) never need it.
    from detect_secrets.filters import heuristic

    return heuristic


FILTERS: dict[str, Filter] = {
    "likely_id": _likely_id,
    "templated": _templated,
    "sequential": _sequential,
    "indirect_reference": _indirect,
    "uuid": _uuid,
    "not_alphanumeric": _not_alnum,
    "dollar_prefixed": _dollar,
}
