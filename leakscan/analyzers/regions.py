"""The region a capture suggests for national-format phone numbers: country fields, Accept-Language, host TLD.

A number written without `+<country code>` can only be checked against a
region. Captures say which: a country or locale field in the same JSON object
(`"country": "PL"`, `"locale": "pl_PL"`, or in a child object such as
`address`), the request's `Accept-Language` (`pl-PL,pl;q=0.9`), the host's
country-code domain (`api.shop.pl`). Hints are data carried on the items
(`Item.regions`); the phone check tries them before its usual regions, for a
number under a phone key and for one the phone patterns find in free text
(`phone_match`). Key names, domain lists and region names:
patterns/_pii_values.yaml.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from leakscan.analyzers.fields import normalise
from leakscan.analyzers.urlparts import split_url
from leakscan.engine import pii_checks
from leakscan.engine.pii_checks import RegionHint
from leakscan.model import Adjustment, Rule
from leakscan.resources import data_table
from leakscan.scoring import VALIDATOR_FAIL

COUNTRY_FIELD = "the country field"
LOCALE_FIELD = "the locale field"
ACCEPT_LANGUAGE = "the Accept-Language header"

# language[-Script]-REGION, with - or _ and an optional .charset or @modifier (pl-PL, pl_PL.UTF-8, sr_Latn_RS)
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z]{4})?[-_]([A-Za-z]{2})(?:[.@][\w.@-]*)?")


@dataclass(frozen=True)
class _Tables:
    country_keys: frozenset[str]
    locale_keys: frozenset[str]
    aliases: dict[str, str]
    regions: frozenset[str]
    country_tlds: frozenset[str]
    tld_regions: dict[str, str]
    vanity_tlds: frozenset[str]


@functools.lru_cache(maxsize=1)
def _tables() -> _Tables:
    data = data_table("_pii_values.yaml")
    return _Tables(
        country_keys=frozenset(data["phone_region_country_keys"]),
        locale_keys=frozenset(data["phone_region_locale_keys"]),
        aliases={str(k).upper(): str(v).upper() for k, v in data["region_aliases"].items()},
        regions=frozenset(str(r) for r in data["region_names"]),
        country_tlds=frozenset(str(t) for t in data["country_tlds"]),
        tld_regions={str(k): str(v).upper() for k, v in data["country_tld_regions"].items()},
        vanity_tlds=frozenset(str(t) for t in data["vanity_tlds"]),
    )


def _region(code: str) -> str | None:
    """An ISO 3166 alpha-2 code phonenumbers knows (`UK` read as GB), or None."""
    upper = code.upper()
    upper = _tables().aliases.get(upper, upper)
    return upper if upper in _tables().regions else None


@functools.lru_cache(maxsize=1024)
def _field_role(key: str) -> str | None:
    """`country` when the key names a country, `locale` when a locale, else None."""
    norm = normalise(key)
    tables = _tables()
    return "country" if norm in tables.country_keys else "locale" if norm in tables.locale_keys else None


def field_region(key: str, value: Any) -> RegionHint | None:
    """The region a field says: `"country": "PL"`, `"countryCode": "de"`, `"locale": "pl_PL"`."""
    role = _field_role(key) if isinstance(value, str) and 2 <= len(value) <= 32 else None
    if role is None:
        return None
    text = value.strip()
    locale = _LOCALE.fullmatch(text)
    if locale:
        region = _region(locale.group(1))
        return RegionHint(region, COUNTRY_FIELD if role == "country" else LOCALE_FIELD) if region else None
    if role == "country" and len(text) == 2 and text.isalpha():
        region = _region(text)
        return RegionHint(region, COUNTRY_FIELD) if region else None
    return None


def object_region(obj: Mapping[str, Any]) -> RegionHint | None:
    """The region an object's own country or locale field says, else one of its child objects' (`address`)."""
    found = _own_region(obj)
    if found is None:
        for value in obj.values():
            if isinstance(value, dict):
                found = _own_region(value)
                if found is not None:
                    break
    return found


def _own_region(obj: Mapping[str, Any]) -> RegionHint | None:
    for key, value in obj.items():
        if isinstance(value, str) and isinstance(key, str) and _field_role(key):
            hint = field_region(key, value)
            if hint is not None:
                return hint
    return None


def accept_language_region(header: str) -> RegionHint | None:
    """The region of the most preferred language range that names one (`pl-PL,pl;q=0.9` → PL)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = re.search(r"q\s*=\s*([01](?:\.\d{0,3})?)", params)
        locale = _LOCALE.fullmatch(tag.strip())
        region = _region(locale.group(1)) if locale else None
        if region:
            ranked.append((-float(quality.group(1)) if quality else -1.0, i, region))
    return RegionHint(min(ranked)[2], ACCEPT_LANGUAGE) if ranked else None


def host_region(url_or_host: str) -> RegionHint | None:
    """The country of the host's country-code domain (`api.shop.pl` → PL); generic and vanity domains say none."""
    text = url_or_host.strip()
    host = (split_url(text).hostname or "") if "//" in text else text.split(":", 1)[0]
    tld = host.rstrip(".").rpartition(".")[2].lower()
    tables = _tables()
    if not host or "." not in host or tld not in tables.country_tlds or tld in tables.vanity_tlds:
        return None
    region = _region(tables.tld_regions.get(tld, tld))
    return RegionHint(region, f"the host's country domain .{tld}") if region else None


def message_regions(headers: Iterable[tuple[str, str]], url: str = "") -> tuple[RegionHint, ...]:
    """The regions a request suggests, most telling first: its Accept-Language, then its host's domain."""
    hints: list[RegionHint] = []
    host = url
    for name, value in headers:
        lower = name.lower()
        if lower == "accept-language" and not any(h.source == ACCEPT_LANGUAGE for h in hints):
            hint = accept_language_region(value)
            hints.extend([hint] if hint else [])
        elif lower in ("host", ":authority") and not split_url(url).hostname:
            host = value
    by_host = host_region(host) if host else None
    return tuple(dict.fromkeys(hints + ([by_host] if by_host else [])))


def phone_match(rule: Rule, number: str, hints: tuple[RegionHint, ...]) -> tuple[Rule, list[Adjustment]]:
    """A phone pattern's match checked with the capture's regions: the rule to score it with and the reasons.

    The rule's own check (`phone_number`) knows only the number: its country code, else the usual regions.
    When the capture suggests regions, this check decides instead (the rule comes back without its validator):
    a number only the hinted region takes is valid, one no region takes fails saying which were tried. Either way
    the reason names the country and why (international format, the region's source, one of the usual regions)."""
    verdict = pii_checks.phone_verdict(number, hints)
    if hints and not number.lstrip().startswith("+") and pii_checks.phone_number(number) is False:
        return _checked_here(rule), [Adjustment(verdict.reason, 0.0 if verdict.valid else VALIDATOR_FAIL)]
    return rule, [Adjustment(verdict.reason, 0.0)] if verdict.valid else []


@functools.lru_cache(maxsize=16)
def _checked_here(rule: Rule) -> Rule:
    return replace(rule, validator=None)
