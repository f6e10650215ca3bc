"""Offline structural checks of a candidate secret.

A validator returns True (structure proven), False (structure broken: the
candidate is almost certainly not what the rule says) or None (cannot tell).
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable

from stdnum import iban as _iban
from stdnum import luhn as _luhn

from leakscan.engine import pii_checks

Validator = Callable[[str], bool | None]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rem = divmod(number, 62)
        digits.append(_BASE62[rem])
    return "".join(reversed(digits)).rjust(width, "0")


def github_checksum(token: str) -> bool | None:
    """GitHub (and npm) tokens end in a base62 CRC32 of their random part."""
    prefix, sep, body = token.rpartition("_")
    if not sep or len(body) < 10:
        return None
    payload, checksum = body[:-6], body[-6:]
    return base62(zlib.crc32(payload.encode()), 6) == checksum


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jwt_structure(token: str) -> bool | None:
    """Header and payload decode to JSON objects and the header names an alg."""
    parts = token.split(".")
    if len(parts) not in (3, 5):
        return False
    try:
        header = json.loads(_b64url_decode(parts[0]))
        payload = json.loads(_b64url_decode(parts[1])) if len(parts) == 3 else {}
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header and isinstance(payload, dict)


_PEM_BODY = re.compile(r"-----BEGIN[ A-Z0-9]*-----(.*?)-----END", re.S)
# String-literal syntax around a pasted line: leading `+ "` and trailing `" +`,
# never a bare `+`, which is a base64 digit.
_TRAILING = re.compile(r"""["']\s*[+,;]?\s*$""")
_LEADING = re.compile(r"""^\s*\+?\s*["']""")


def pem_private_key(block: str) -> bool | None:
    """The body is base64 (headers allowed) of a size a real key has."""
    match = _PEM_BODY.search(block)
    if not match:
        return None
    # Keys pasted into code arrive as string literals: "...\\n" + "...".
    flat = re.sub(r"\\[rn]", "\n", match.group(1))
    lines = [_LEADING.sub("", _TRAILING.sub("", ln.strip())) for ln in flat.splitlines()]
    body = "".join(ln for ln in lines if ln and ":" not in ln)
    body = re.sub(r"\s", "", body)
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return False
    # Ed25519 OpenSSH keys are ~ 200+ bytes; EC P-256 PKCS#8 ~ 138; anything
    # below 64 bytes is a truncated or made-up example.
    return len(raw) >= 64


def luhn(number: str) -> bool | None:
    digits = re.sub(r"[ -]", "", number)
    if not digits.isdigit():
        return False
    return _luhn.is_valid(digits)


def iban(value: str) -> bool | None:
    return _iban.is_valid(value)


def us_ssn(value: str) -> bool | None:
    """Area 000, 666 and 900-999, group 00 and serial 0000 are never issued."""
    digits = re.sub(r"\D", "", value)
    if len(digits) != 9:
        return False
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    if area in (0, 666) or area >= 900 or group == 0 or serial == 0:
        return False
    return digits not in ("078051120", "219099999", "123456789")


def pypi_token(token: str) -> bool | None:
    """PyPI upload tokens are `pypi-` + base64 of a macaroon naming pypi.org."""
    body = token[len("pypi-"):]
    try:
        raw = _b64url_decode(body[:60])
    except (binascii.Error, ValueError):
        return False
    return b"pypi.org" in raw


def base64_decodes(value: str) -> bool | None:
    body = re.sub(r"\s", "", value)
    try:
        base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        try:
            _b64url_decode(body)
        except (binascii.Error, ValueError):
            return False
    return True


VALIDATORS: dict[str, Validator] = {
    "github_checksum": github_checksum,
    "npm_checksum": github_checksum,
    "jwt": jwt_structure,
    "pem_private_key": pem_private_key,
    "luhn": luhn,
    "iban": iban,
    "us_ssn": us_ssn,
    "pypi_token": pypi_token,
    "base64": base64_decodes,
    "email_address": pii_checks.email_address,
    "phone_number": pii_checks.phone_number,
    "card_pan": pii_checks.card_pan,
    "us_ssn_issuable": pii_checks.us_ssn_issuable,
    "iban_account": pii_checks.iban_account,
    "birth_date": pii_checks.birth_date,
    "public_ip": pii_checks.public_ip,
}

VALIDATOR_LABELS: dict[str, str] = {
    "github_checksum": "github checksum",
    "npm_checksum": "npm checksum",
    "jwt": "JWT header decodes to JSON with alg",
    "pem_private_key": "PEM body is base64 of key size",
    "luhn": "Luhn checksum",
    "iban": "IBAN mod-97",
    "us_ssn": "SSN issuable range",
    "pypi_token": "PyPI macaroon decodes",
    "base64": "value decodes as base64",
    "email_address": "personal email address (not reserved, role or file name)",
    "phone_number": "phone number valid for its region and not fictional",
    "card_pan": "card number (Luhn, brand prefix, not a test card)",
    "us_ssn_issuable": "SSN issuable and not published",
    "iban_account": "IBAN mod-97 and not a documentation example",
    "birth_date": "plausible date of birth",
    "public_ip": "public IP address",
}

# What a failed structural check means, in plain words.
_FAILURES: dict[str, str] = {
    "github_checksum": "github checksum does not match",
    "npm_checksum": "npm checksum does not match",
    "jwt": "not a JWT (header does not decode to JSON with alg)",
    "pem_private_key": "PEM body is not base64 of a real key's size",
    "luhn": "fails the Luhn checksum",
    "iban": "fails the IBAN mod-97 check",
    "us_ssn": "SSN never issued or published",
    "pypi_token": "not a PyPI macaroon",
    "base64": "does not decode as base64",
}


def failure_reason(name: str, value: str) -> str:
    """Why validator `name` rejected `value`, said as what was seen."""
    problem = pii_checks.PROBLEMS.get(name)
    if problem is not None:
        why = problem(value)
        if why:
            return why
    return _FAILURES.get(name, f"{VALIDATOR_LABELS.get(name, name)} check failed")
