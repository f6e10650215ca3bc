"""Offline plausibility checks for personal data (emails, phones, cards, IBANs...).

Most are "gate" validators: they return False when a value cannot be what the
rule says or belongs to nobody (a reserved domain, a fictional phone range, a
published test card), and None when it is plausible; a well-formed email is
common in source code, so the confidence of PII comes from where it sits (a
JSON key, a captured payload). Cards are the exception: a Luhn-valid number in
a network's IIN range and length is a card wherever it sits, so `card_pan`
returns True and the checksum raises confidence. The reference values are data:
patterns/_pii_values.yaml.
"""
from __future__ import annotations

import datetime as _dt
import functools
import importlib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from stdnum import iban as _iban
from stdnum import luhn as _luhn

from leakscan.resources import data_table

if TYPE_CHECKING:
    import phonenumbers


@dataclass(frozen=True)
class _Values:
    """The vocabularies the PII checks read: domains, role names, TLDs, fictional numbers."""

    email_domains: frozenset[str]
    email_suffixes: tuple[str, ...]
    role_locals: frozenset[str]
    file_tlds: frozenset[str]
    fictional_phones: tuple[re.Pattern[str], ...]
    regions: tuple[str, ...]
    region_names: dict[str, str]
    test_cards: frozenset[str]
    doc_ibans: frozenset[str]
    doc_ssns: frozenset[str]
    national_ids: dict[str, NationalIdScheme]
    card_prefixes: tuple[CardPrefix, ...]  # longest prefix first


@dataclass(frozen=True)
class CardPrefix:
    """One IIN prefix range of a card network and the lengths it issues."""

    brand: str
    low: str
    high: str
    lengths: frozenset[int]

    def matches(self, digits: str) -> bool:
        return len(digits) in self.lengths and self.low <= digits[:len(self.low)] <= self.high


def _card_prefixes(networks: list[dict[str, object]]) -> tuple[CardPrefix, ...]:
    prefixes = []
    for network in networks:
        for text in network["ranges"]:  # type: ignore[attr-defined]
            low, _, high = str(text).partition("-")
            prefixes.append(CardPrefix(str(network["brand"]), low, high or low,
                                       frozenset(int(n) for n in network["lengths"])))  # type: ignore[attr-defined]
    return tuple(sorted(prefixes, key=lambda p: -len(p.low)))


@dataclass(frozen=True)
class NationalIdScheme:
    """One national identifier: python-stdnum's module for it, or its documented format."""

    label: str
    stdnum_module: str | None
    pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class NationalIdVerdict:
    """True: the scheme's check passed; False: it failed; None: no check could run."""

    valid: bool | None
    reason: str


@functools.lru_cache(maxsize=1)
def values() -> _Values:
    data = data_table("_pii_values.yaml")
    return _Values(
        email_domains=frozenset(d.lower() for d in data["placeholder_email_domains"]),
        email_suffixes=tuple(s.lower() for s in data["placeholder_email_suffixes"]),
        role_locals=frozenset(s.lower() for s in data["role_email_locals"]),
        file_tlds=frozenset(data["file_name_tlds"]),
        fictional_phones=tuple(re.compile(p) for p in data["fictional_phone_e164"]),
        regions=tuple(data["national_phone_regions"]),
        region_names={str(k): str(v) for k, v in data["region_names"].items()},
        test_cards=frozenset(str(c) for c in data["test_card_numbers"]),
        doc_ibans=frozenset(data["documentation_ibans"]),
        doc_ssns=frozenset(str(s) for s in data["documentation_ssns"]),
        national_ids={key: NationalIdScheme(spec["label"], spec.get("stdnum"),
                                            re.compile(spec["pattern"]) if "pattern" in spec else None)
                      for key, spec in data["national_id_schemes"].items()},
        card_prefixes=_card_prefixes(data["card_networks"]),
    )


def national_id_scheme(normalised_key: str) -> NationalIdScheme | None:
    """The identifier a key names (`cpf`, `nhsnumber`, `steuerid`), or None for a generic id key."""
    return values().national_ids.get(normalised_key)


def national_id_verdict(scheme: NationalIdScheme, value: str) -> NationalIdVerdict:
    """Check `value` against its scheme; a missing or failing validator never raises, it says so."""
    if scheme.pattern is not None:
        if scheme.pattern.fullmatch(value.strip().upper()):
            return NationalIdVerdict(True, f"has the documented {scheme.label} format")
        return NationalIdVerdict(False, f"does not have the {scheme.label} format")
    validate = _stdnum_validate(scheme.stdnum_module or "")
    if validate is None:
        why = f"no {scheme.label} check in the installed python-stdnum; counted on the key name"
        return NationalIdVerdict(None, why)
    try:
        validate(value)
    except ValueError as exc:  # stdnum's ValidationError says why in plain words
        why = str(exc).rstrip(".") or "check failed"
        return NationalIdVerdict(False, f"not a valid {scheme.label} ({why[0].lower() + why[1:]})")
    except Exception:  # noqa: BLE001  (a validator bug must not take the file down)
        return NationalIdVerdict(None, f"the {scheme.label} check could not run; counted on the key name")
    return NationalIdVerdict(True, f"valid {scheme.label} (format and check digits, python-stdnum)")


@functools.lru_cache(maxsize=128)
def _stdnum_validate(module_name: str) -> Callable[[str], object] | None:
    """`stdnum.<module>.validate`, or None when this python-stdnum has no such module."""
    if not re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", module_name):
        return None
    try:
        module = importlib.import_module(f"stdnum.{module_name}")
    except ImportError:
        return None
    validate = getattr(module, "validate", None)
    return validate if callable(validate) else None


def email_problem(value: str) -> str | None:
    """Why `value` is nobody's email address (in plain words), or None when it may be someone's."""
    local, _, domain = value.rpartition("@")
    domain = domain.lower().rstrip(".")
    vals = values()
    if not local or "." not in domain:
        return "not an email address"
    if domain in vals.email_domains or domain.endswith(vals.email_suffixes) or domain.startswith("example."):
        return "reserved or placeholder email domain"
    if domain.rsplit(".", 1)[1] in vals.file_tlds:
        return "a file name, not an email address"
    plain = local.lower().split("+", 1)[0]
    if plain in vals.role_locals or re.fullmatch(r"(.)\1{2,}|x+|test\d*|user\d*", plain):
        return "role or test mailbox, not a person's"
    return None


def email_address(value: str) -> bool | None:
    return _gate(email_problem(value))


def _gate(problem: str | None) -> bool | None:
    return False if problem else None


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


@dataclass(frozen=True)
class RegionHint:
    """A region a national-format phone number may be from, and what in the capture suggests it."""

    region: str  # ISO 3166 alpha-2, as phonenumbers names regions
    source: str  # plain words: "the country field", "the Accept-Language header"


@dataclass(frozen=True)
class PhoneVerdict:
    """Whether a value is someone's phone number, and why in plain words."""

    valid: bool
    reason: str
    hinted: bool = False  # valid in a region the capture suggested


def region_name(region: str) -> str:
    return values().region_names.get(region, region)


def phone_verdict(value: str, hints: tuple[RegionHint, ...] = ()) -> PhoneVerdict:
    """Valid for its country code; in national format, for a hinted region first, then for one of the usual
    regions. A hint only adds a region to try: it never makes a number valid elsewhere invalid."""
    text = value.strip()
    international = text.startswith("+")
    if international:  # its country code says where it is from: any region phonenumbers knows, no hint needed
        tries: list[tuple[str | None, RegionHint | None]] = [(None, None)]
    else:
        tries = [(h.region, h) for h in hints] + [(r, None) for r in values().regions]
    for region, hint in tries:
        number = _valid_number(text, region)
        if number is None:
            continue
        problem = _dummy_phone(number)
        if problem:
            return PhoneVerdict(False, problem)
        country = region_name(_phonenumbers().region_code_for_number(number) or region or "")
        if hint is not None:
            return PhoneVerdict(True, f"valid number in {country} (region from {hint.source})", True)
        if region is None:
            return PhoneVerdict(True, f"valid number in {country} (international format)")
        return PhoneVerdict(True, f"valid number in {country} (one of the usual regions{_not_in(hints)})")
    if international:
        return PhoneVerdict(False, "not a valid phone number for its country code")
    if hints:
        return PhoneVerdict(False, f"not a valid phone number in {_hinted(hints)} nor in the usual regions")
    return PhoneVerdict(False, "not a valid phone number in any of the usual regions")


@functools.cache
def _phonenumbers() -> ModuleType:
    """phonenumbers, imported on the first phone number checked: it costs about 0.1 s of start-up
    that a pre-commit hook on a change without phone numbers never needs."""
    return importlib.import_module("phonenumbers")


def _valid_number(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    phonenumbers = _phonenumbers()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _dummy_phone(number: phonenumbers.PhoneNumber) -> str | None:
    phonenumbers = _phonenumbers()
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if any(p.match(e164) for p in values().fictional_phones):
        return "fictional phone number range (reserved for films and documentation)"
    if _repetitive(_digits(e164)[-7:]):
        return "dummy phone number (repeated or sequential digits)"
    return None


def _hinted(hints: tuple[RegionHint, ...]) -> str:
    return ", ".join(f"{region_name(h.region)} (region from {h.source})" for h in hints)


def _not_in(hints: tuple[RegionHint, ...]) -> str:
    return f"; not valid in {_hinted(hints)}" if hints else ""


def phone_problem(value: str) -> str | None:
    """Valid for its country code, or for one of the usual regions when it has none."""
    verdict = phone_verdict(value)
    return None if verdict.valid else verdict.reason


def phone_number(value: str) -> bool | None:
    return _gate(phone_problem(value))


def _repetitive(digits: str) -> bool:
    return len(set(digits)) <= 2 or digits in "01234567890" or digits in "98765432109"


def card_brand(digits: str) -> str | None:
    """The network whose IIN range and length the number has (longest prefix wins), or None."""
    return next((p.brand for p in values().card_prefixes if p.matches(digits)), None)


def card_problem(value: str) -> str | None:
    """Luhn, a known brand prefix and length, and not a published test number."""
    digits = _digits(value)
    if not 13 <= len(digits) <= 19 or not _luhn.is_valid(digits):
        return "fails the card Luhn check"
    if digits in values().test_cards:
        return "published test card number"
    if card_brand(digits) is None:
        return "no card brand uses this prefix and length"
    if re.search(r"(\d)\1{7,}", digits) or len(set(digits)) <= 3:
        return "filler card number (long runs of one digit)"  # 4000 0000 0000 0002 style
    return None


def card_pan(value: str) -> bool | None:
    """True for a Luhn-valid number in a network's IIN range: the checksum is evidence, it raises confidence."""
    return card_problem(value) is None


def ssn_problem(value: str) -> str | None:
    """Never-issued areas (000, 666, 9xx), group 00, serial 0000, published and dummy numbers."""
    digits = _digits(value)
    if len(digits) != 9:
        return "not nine digits"
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    if area >= 900 and _is_itin(digits):
        return None  # an ITIN: the IRS's taxpayer number for people without an SSN, as personal
    if area in (0, 666) or area >= 900 or group == 0 or serial == 0:
        return "SSN never issued (area 000, 666 or 9xx, group 00 or serial 0000)"
    if digits in values().doc_ssns:
        return "published example SSN"
    if _dummy_ssn(digits[:3], digits[3:5], digits[5:]):
        return "dummy SSN (repeated or sequential digits)"
    return None


def _is_itin(digits: str) -> bool:
    itin = national_id_scheme("itin")
    return itin is not None and national_id_verdict(itin, digits).valid is True


def _dummy_ssn(*groups: str) -> bool:
    """111-22-3333, 123-45-6789, 987-65-4321, 123-12-1234: typed by a person writing an example."""
    digits = "".join(groups)
    if all(len(set(g)) == 1 for g in groups) or _repetitive(digits):
        return True
    return all(g in "01234567890" or g in "09876543210" for g in groups)


def us_ssn_issuable(value: str) -> bool | None:
    return _gate(ssn_problem(value))


def iban_problem(value: str) -> str | None:
    compact = re.sub(r"\s", "", value).upper()
    if not _iban.is_valid(compact):
        return "fails the IBAN mod-97 check"
    if compact in values().doc_ibans:
        return "published example IBAN"
    return None


def iban_account(value: str) -> bool | None:
    """True for a mod-97-valid IBAN of its country's length (1 in 97 by chance): the check raises confidence."""
    return iban_problem(value) is None


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y%m%d",
                 "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y")


def parse_date(value: str) -> _dt.date | None:
    text = value.strip()[:32]
    if re.match(r"\d{4}-\d{2}-\d{2}T", text):
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return _dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def birth_date_problem(value: str) -> str | None:
    """A real calendar date between 1900 and today, and not a default (1900-01-01, 1970-01-01)."""
    date = parse_date(value)
    if date is None:
        return "not a calendar date"
    if not _dt.date(1900, 1, 2) <= date <= _dt.date.today():
        return "date outside a lifetime (before 1900 or in the future)"
    if (date.month, date.day) == (1, 1) and date.year in (1900, 1970, 2000):
        return "default date (1 January 1900, 1970 or 2000)"
    return None


def birth_date(value: str) -> bool | None:
    return _gate(birth_date_problem(value))


def ip_problem(value: str) -> str | None:
    """A globally routable unicast address: private, loopback, documentation and reserved ranges fail."""
    try:
        address = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return "not an IP address"
    if not address.is_global or address.is_multicast:
        return "private, documentation or reserved IP address"
    return None


def public_ip(value: str) -> bool | None:
    return _gate(ip_problem(value))


# Why a gate failed, in plain words, by validator name.
PROBLEMS = {
    "email_address": email_problem,
    "phone_number": phone_problem,
    "card_pan": card_problem,
    "us_ssn_issuable": ssn_problem,
    "iban_account": iban_problem,
    "birth_date": birth_date_problem,
    "public_ip": ip_problem,
}
