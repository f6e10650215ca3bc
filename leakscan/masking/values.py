"""Masked display values and remedies. Reports only ever print these."""
from __future__ import annotations

import re
from collections.abc import Callable

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


_STYLES: dict[str, Callable[[str, MaskSpec], str]] = {
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


# Where a finding was, for a remedy that fits it: a file in the tree, a commit in the
# history, captured traffic, an API spec. Keys of _BY_PLACE; "code" is _ACTIONS.
PLACES = ("code", "history", "capture", "spec")
_HISTORY_TAIL = " It stays readable in the git history whatever the file says now: purge it there too."

_BY_PLACE: dict[tuple[str, str], tuple[str, str]] = {
    ("secret", "history"): ("rotate-and-remove",
                            "Revoke and rotate this credential: it stays readable in the git history even after "
                            "the file changes. Purge it from the history (e.g. git filter-repo) and load it at run "
                            "time from the environment or a secrets manager."),
    ("secret", "capture"): ("revoke-and-sanitize",
                            "This credential was captured in traffic: revoke it (end the session or rotate the "
                            "token) and mask the capture before it is shared or stored (leakscan mask)."),
    ("secret", "spec"): ("replace-example",
                         "Replace this credential in the spec with a placeholder (published API docs are public), "
                         "then revoke and rotate it."),
    ("url-token", "capture"): ("move-to-header",
                               "The client sent a credential in the URL: send it in a request header (e.g. "
                               "Authorization) instead, rotate it, and mask this capture before sharing it "
                               "(leakscan mask)."),
    ("url-token", "spec"): ("move-to-header",
                            "Send the credential in a request header (e.g. Authorization) instead of the URL: "
                            "query strings end up in server logs, proxies and browser history."),
    ("pii", "code"): ("replace-with-synthetic",
                      "Replace the personal data in this file with a synthetic value, or keep it masked ({masked})."),
    ("pii", "history"): ("replace-with-synthetic",
                         "Replace the personal data with a synthetic value." + _HISTORY_TAIL),
    ("stacktrace", "code"): ("remove-trace",
                             "Remove the error details from this file; where they came from a response, return a "
                             "generic error body with a correlation id and log the details server-side only."),
    ("stacktrace", "history"): ("remove-trace",
                                "Remove the error details from the file; where they came from a response, return a "
                                "generic error body with a correlation id." + _HISTORY_TAIL),
}


def suggest(rule: Rule, masked: str, pointer: str | None = None, place: str = "code") -> Suggestion:
    """The remedy for a finding of `rule` found in `place` (one of PLACES)."""
    action, text = _BY_PLACE.get((rule.category, place)) or _ACTIONS.get(rule.category, _ACTIONS["exposure"])
    if place == "history" and (rule.category, place) not in _BY_PLACE and rule.category == "url-token":
        text += _HISTORY_TAIL
    text = text.format(masked=masked)
    if pointer and rule.category in ("pii", "secret", "url-token"):
        text += f" Mask the value at {pointer}."
    return Suggestion(action=action, text=text, masked_value=masked)
