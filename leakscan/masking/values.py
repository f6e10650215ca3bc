"""Masked display values and remedies. Reports only ever print these."""
from __future__ import annotations

import re

from leakscan.model import MaskSpec, Rule, Suggestion

MAX_STARS = 40  # long secrets (private keys) are shown as a capped run of stars


def mask_value(secret: str, spec: MaskSpec) -> str:
    masker = _STYLES.get(spec.style, _mask_secret)
    return masker(secret, spec)


def _mask_secret(secret: str, spec: MaskSpec) -> str:
    # Never reveal more than a third of a secret, however the rule is set.
    budget = len(secret) // 3
    prefix = min(spec.keep_prefix, budget)
    suffix = min(spec.keep_suffix, max(0, budget - prefix))
    hidden = len(secret) - prefix - suffix
    stars = "*" * min(hidden, MAX_STARS) + ("…" if hidden > MAX_STARS else "")
    return secret[:prefix] + stars + (secret[len(secret) - suffix:] if suffix else "")


def _keep_last_digits(value: str, keep: int) -> str:
    digits_seen = 0
    total = sum(ch.isdigit() for ch in value)
    out = []
    for ch in value:
        if ch.isdigit():
            digits_seen += 1
            out.append(ch if digits_seen > total - keep else "*")
        else:
            out.append(ch)
    return "".join(out)


def _mask_card(value: str, spec: MaskSpec) -> str:
    digits = re.sub(r"\D", "", value)
    groups = ["****"] * ((len(digits) - 4 + 3) // 4)
    return " ".join(groups + [digits[-4:]])


def _mask_ssn(value: str, spec: MaskSpec) -> str:
    digits = re.sub(r"\D", "", value)
    return f"***-**-{digits[-4:]}" if len(digits) == 9 else _keep_last_digits(value, 4)


def _mask_email(value: str, spec: MaskSpec) -> str:
    local, _, domain = value.partition("@")
    return (local[:1] + "***@" + domain) if domain else _mask_secret(value, spec)


def _mask_phone(value: str, spec: MaskSpec) -> str:
    return _keep_last_digits(value, 2)


def _mask_iban(value: str, spec: MaskSpec) -> str:
    compact = re.sub(r"\s", "", value)
    return compact[:2] + "*" * (len(compact) - 6) + compact[-4:]


def _mask_date(value: str, spec: MaskSpec) -> str:
    year = re.search(r"(19|20)\d\d", value)
    masked = re.sub(r"\d", "*", value)
    if year:  # year only is the customary disclosure for a date of birth
        masked = masked[: year.start()] + year.group(0) + masked[year.end():]
    return masked


def _mask_ip(value: str, spec: MaskSpec) -> str:
    if ":" in value:
        return ":".join(value.split(":")[:3] + ["*"])
    return ".".join(value.split(".")[:3] + ["*"])


def _redact(value: str, spec: MaskSpec) -> str:
    return "[REDACTED]"


_STYLES = {
    "secret": _mask_secret,
    "card": _mask_card,
    "ssn": _mask_ssn,
    "email": _mask_email,
    "phone": _mask_phone,
    "iban": _mask_iban,
    "date": _mask_date,
    "ip": _mask_ip,
    "redact": _redact,
    "plain": lambda value, spec: value,  # exposure findings whose value is no secret (an endpoint, a field name)
}

_ACTIONS = {
    "secret": ("rotate-and-remove",
               "Revoke and rotate this credential, remove it from the code and its history, "
               "and load it at run time from the environment or a secrets manager."),
    "url-token": ("move-to-header",
                  "Send the credential in a request header (e.g. Authorization) instead of the URL, "
                  "rotate it, and mask the parameter value in logs and captures."),
    "pii": ("mask-field",
            "Return the value masked ({masked}) or omit the field unless the client needs it."),
    "stacktrace": ("generic-error",
                   "Return a generic error body with a correlation id; log the details server-side only."),
    "exposure": ("restrict",
                 "Remove or restrict what this exposes; publish only what clients need."),
}


def suggest(rule: Rule, masked: str, pointer: str | None = None) -> Suggestion:
    action, text = _ACTIONS.get(rule.category, _ACTIONS["exposure"])
    text = text.format(masked=masked)
    if pointer and rule.category in ("pii", "secret", "url-token"):
        text += f" Mask the value at {pointer}."
    return Suggestion(action=action, text=text, masked_value=masked)
