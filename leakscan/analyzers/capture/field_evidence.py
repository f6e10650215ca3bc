"""What a key name says about its value: `field.*` findings no regex can make.

`{"passport": "X1234567"}` or `{"lat": 48.858370}` hold personal data that
has no distinctive shape of its own; the key says what it is. A value is
reported when its key classifies as a sensitive kind (shared vocabulary,
patterns/_sensitive_fields.yaml), it has the shape that kind has, it is not
already masked (`***-**-6789`, `[FILTERED]`) and no pattern rule already
reported the same kind there.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable

from leakscan.analyzers.capture.payload import Context, Item, Proto, rule_kind
from leakscan.analyzers.capture.vocab import vocabulary as capture_vocabulary
from leakscan.analyzers.fields import FieldKind, classify_field, normalise
from leakscan.engine import pii_checks
from leakscan.engine.entropy import shannon_entropy
from leakscan.engine.validators import VALIDATORS
from leakscan.model import Adjustment

# Values that show masking, truncation or tokenisation (and leakscan's own hash form).
MASKED = re.compile(
    r"\*{2,}|•{2,}|●{2,}|(?i:x{3,})|#{4,}|…"
    r"|^\s*[\[<(]?(?i:redacted|filtered|masked|hidden|removed|omitted|sensitive|private|n/?a)[\]>)]?\s*$"
    r"|^\[REDACTED:sha256:[0-9a-f]{8,}\]$")


def looks_masked(value: str) -> bool:
    return bool(MASKED.search(value))


@functools.lru_cache(maxsize=4096)
def key_kind(key: str, parent_key: str = "") -> FieldKind | None:
    """The kind the key names; `{"card": {"number": …}}` reads as card number."""
    if not key:
        return None
    kind = classify_field(key)
    if kind is None and parent_key and not key.isdigit():
        kind = classify_field(parent_key + "_" + key)
    return kind


@functools.lru_cache(maxsize=4096)
def is_identifier_key(key: str) -> bool:
    """order_id, trackingNumber, ts; a bare `number` or `num` names nothing by itself."""
    vocab = capture_vocabulary()
    if not key or normalise(key) in vocab.identifier_keys.names:
        return bool(key)
    words = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", key)
    return len(words) > 1 and words[-1].lower() in vocab.identifier_suffixes  # `account` ends in "count", names none


@functools.lru_cache(maxsize=4096)
def harmless_key(key: str) -> bool:
    """csrf_token, nextPageToken, cursor: values that look random and grant nothing on their own."""
    vocab = capture_vocabulary()
    return bool(key) and (vocab.ignored_headers.has(key) or vocab.ignored_params.has(key)
                          or key.lower() in vocab.csrf_fields)


# ---- shape checks per kind: (value, item) -> list of adjustments, or None when it is not that kind
# (the item gives the key, and the regions the capture suggests for a national-format phone number)

Check = Callable[[str, Item], list[Adjustment] | None]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _ssn(value: str, item: Item) -> list[Adjustment] | None:
    """SSN or ITIN (9xx-7x-xxxx), with dashes, dots, spaces or none."""
    if not re.fullmatch(r"\d{3}([- .]?)\d{2}\1\d{4}", value):
        return None
    if value.startswith("9"):
        itin = pii_checks.national_id_scheme("itin")
        verdict = pii_checks.national_id_verdict(itin, _digits(value)) if itin else None
        return [Adjustment(verdict.reason, 0.0)] if verdict and verdict.valid is not False else None
    return None if pii_checks.us_ssn_issuable(value) is False else []


def _national_id(value: str, item: Item) -> list[Adjustment] | None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ./-]{3,22}[A-Za-z0-9]", value) or len(_digits(value)) < 4:
        return None
    scheme = pii_checks.national_id_scheme(normalise(item.key))
    if scheme is None:
        return []
    verdict = pii_checks.national_id_verdict(scheme, value)
    weight = {True: 0.15, False: -0.4, None: 0.0}[verdict.valid]
    return [Adjustment(verdict.reason, weight)]


def _passport(value: str, item: Item) -> list[Adjustment] | None:
    if re.fullmatch(r"[A-Za-z0-9]{6,12}", value) and len(_digits(value)) >= 4:
        return []
    return None


def _licence(value: str, item: Item) -> list[Adjustment] | None:
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 -]{3,18}[A-Za-z0-9]", value) and len(_digits(value)) >= 4:
        return []
    return None


def _card(value: str, item: Item) -> list[Adjustment] | None:
    if re.fullmatch(r"\d[\d -]{11,22}\d", value) and pii_checks.card_pan(value) is not False:
        return []
    return None


def _cvv(value: str, item: Item) -> list[Adjustment] | None:
    return [] if re.fullmatch(r"\d{3,4}", value) else None


def _birth(value: str, item: Item) -> list[Adjustment] | None:
    return [] if pii_checks.birth_date(value) is not False else None


def _iban(value: str, item: Item) -> list[Adjustment] | None:
    return [] if pii_checks.iban_account(value) is not False else None


def _bank_account(value: str, item: Item) -> list[Adjustment] | None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 -]{4,32}[A-Za-z0-9]", value) or len(_digits(value)) < 6:
        return None
    if "routing" in normalise(item.key) or normalise(item.key) == "aba":
        from stdnum.us import rtn

        return [Adjustment("valid ABA routing number (python-stdnum)", 0.1)] if rtn.is_valid(value) else None
    return []


def _address(value: str, item: Item) -> list[Adjustment] | None:
    if len(value) >= 8 and " " in value and re.search(r"\d", value) and re.search(r"[A-Za-z]{3}", value):
        return []
    return None


_COORD = r"[-+]?\d{1,3}\.\d{3,12}"


def _geolocation(value: str, item: Item) -> list[Adjustment] | None:
    if re.fullmatch(_COORD, value) and abs(float(value)) <= 180:
        return []
    if re.fullmatch(rf"{_COORD}\s*[,; ]\s*{_COORD}", value):
        return []
    return None


def _phone(value: str, item: Item) -> list[Adjustment] | None:
    if pii_checks.parse_date(value) is not None:
        return None  # 2026-11-30 under `phone` is a date (a filled-in default), not a number
    if re.fullmatch(r"\+?[\d ().-]{7,20}", value) and 7 <= len(_digits(value)) <= 15:
        verdict = pii_checks.phone_verdict(value, item.regions)
        return [Adjustment(verdict.reason, 0.0)] if verdict.valid else None
    return None


def _password(value: str, item: Item) -> list[Adjustment] | None:
    return [] if len(value) >= 4 and value.lower() not in ("true", "false", "null", "none") else None


def _password_hash(value: str, item: Item) -> list[Adjustment] | None:
    return [] if len(value) >= 16 else None


def _token(value: str, item: Item) -> list[Adjustment] | None:
    if len(value) < 12 or " " in value.strip() or value.startswith(("http://", "https://", "/")):
        return None
    return [] if shannon_entropy(value) >= 2.8 else None


def about_a_person(item: Item) -> bool:
    """Whether a key on the value's path (`/user/location/lat`, `customer_latitude`) names a person."""
    persons = capture_vocabulary().person_keys
    path = (item.pointer or "").rpartition("#")[2].split("/")
    return any(persons.has(key) for key in (*path, item.parent_key, item.key) if key and not key.isdigit())


CHECKS: dict[str, Check] = {
    "ssn": _ssn, "national_id": _national_id, "passport": _passport, "driver_license": _licence,
    "card_number": _card, "cvv": _cvv, "date_of_birth": _birth, "iban": _iban, "bank_account": _bank_account,
    "address": _address, "geolocation": _geolocation, "phone": _phone,
    "password": _password, "password_hash": _password_hash, "secret": _token, "token": _token,
}


def _rejected(proto: Proto) -> bool:
    """A match its rule's own check rejects has reported nothing: the key's check (with the capture's hints) decides."""
    name = proto.rule.validator
    return name is not None and VALIDATORS[name](proto.secret) is False


def field_protos(item: Item, kind: FieldKind, found: list[Proto], ctx: Context) -> list[Proto]:
    """A `field.<kind>` finding for a sensitive key whose value no rule reported."""
    if any(rule_kind(p.rule) == kind.kind and not _rejected(p) for p in found):
        return []
    named = any(p.rule.category in ("secret", "url-token") and not p.rule.is_generic for p in found)
    if kind.category == "secret" and named:
        return []  # a provider rule already named the credential (a generic regex did not: the key says more)
    rule = ctx.rule("field." + kind.kind.replace("_", "-"))
    check = CHECKS.get(kind.kind)
    value = item.value.strip()
    if rule is None or check is None or not value or looks_masked(value) or len(value) > 512:
        return []
    if harmless_key(item.key):
        return []  # csrf_token, nextPageToken and friends: per-request or paging values, not credentials
    if kind.kind == "geolocation" and not about_a_person(item):
        return []  # a store's, a city's or a map's coordinates are nobody's personal data
    adjustments = check(value, item)
    if adjustments is None:
        return []
    start = item.value.find(value)
    proto = Proto(rule, value, item, start, start + len(value))
    proto.adjustments.append(Adjustment(f"key name {item.key!r} says {kind.label}", 0.0))
    proto.adjustments.extend(adjustments)
    return [proto]
