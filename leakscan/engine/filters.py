"""Named heuristic filters a rule can opt into (`filters:` in the pack).

They are the same heuristics as detect-secrets (so leakscan agrees with the
tool teams already tuned), implemented here so that a scan never imports it;
tests/engine/test_filters.py holds them to detect-secrets' own functions.
Each returns a reason when the candidate looks fake.
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable

# filter(secret, line) -> reason or None
Filter = Callable[[str, str], str | None]

# An identifier named just before the value: `id=`, `myid:`, `userids =` at the line's start, or
# any `..._id` / `..._ids` followed by a character other than a letter or digit. IGNORECASE also
# lets the four non-ASCII letters Python folds into a-z count as letters, as detect-secrets' does.
_ID_NAME = re.compile(r"(?:\A(?:my|user)?id|_id)s?[^0-9a-z]", re.IGNORECASE)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# After an assignment or comparison character (`=`, `:`, `!`: every operator ends in one), a name
# called or indexed, closed later on the line: `= get_secret()`, `: headers['key']`. Only
# `\v` (a vertical tab) ends the "line".
_INDIRECT = re.compile(r"[=:!]\s*[\w.-]+[(\[][^\v]*[)\]]")
_INDIRECT_MAX_LINE = 1000  # longer lines are not function-call lines (and the search would backtrack)

_LETTERS, _DIGITS = string.ascii_uppercase, string.digits
# Runs that keyboard-mashed or counting "secrets" come from, compared upper-cased: the base64
# alphabet from either end, digits and letters alternating, digits, hex digits (wrapped
# twice, as the upper-cased a-f then A-F come out) and the alphabet followed by `=/`.
_SEQUENCES = (
    _LETTERS * 2 + _DIGITS + "+/",
    _DIGITS + _LETTERS * 2 + "+/",
    (_DIGITS + _LETTERS) * 2,
    _DIGITS * 2,
    (_DIGITS + "ABCDEF" * 2) * 2,
    _LETTERS + "=/",
)
_ASCII_LETTERS = frozenset(string.ascii_letters)


def is_likely_id(secret: str, line: str) -> bool:
    """The line names an id before the value's first occurrence in it."""
    at = line.find(secret)
    return at >= 0 and _ID_NAME.search(line, 0, at) is not None


def is_templated(secret: str) -> bool:
    """`{x}`, `<x>` or `${x}`; an empty value or a lone `$` counts too."""
    if not secret:
        return True
    first, last = secret[0], secret[-1]
    if (first == "{" and last == "}") or (first == "<" and last == ">"):
        return True
    if first != "$":
        return False
    return len(secret) == 1 or (secret[1] == "{" and last == "}")


def is_sequential(secret: str) -> bool:
    """Upper-cased, a piece of one of the runs above (the empty value is a piece of any)."""
    upper = secret.upper()
    return any(upper in run for run in _SEQUENCES)


def is_indirect_reference(line: str) -> bool:
    """The value is assigned from (or compared with) a call or an index: `secret = get_secret()`."""
    return len(line) <= _INDIRECT_MAX_LINE and _INDIRECT.search(line) is not None


def is_uuid(secret: str) -> bool:
    return _UUID.search(secret) is not None


def is_not_alphanumeric(secret: str) -> bool:
    """No ASCII letter at all (digits alone do not make it a secret either)."""
    return _ASCII_LETTERS.isdisjoint(secret)


def is_dollar_prefixed(secret: str) -> bool:
    return secret.startswith("$")


# Dependency lockfiles, by file name: their hashes and checksums look like secrets (the names
# detect-secrets lists).
_LOCK_FILES = frozenset({
    "Brewfile.lock.json", "Cargo.lock", "Cartfile.resolved", "Gemfile.lock", "Package.resolved", "Pipfile.lock",
    "Podfile.lock", "composer.lock", "package-lock.json", "packages.lock.json", "poetry.lock", "yarn.lock",
})


def is_lock_file(name: str) -> bool:
    """`name` is a file name, without its directory."""
    return name in _LOCK_FILES


def _likely_id(secret: str, line: str) -> str | None:
    return "looks like an id (detect-secrets is_likely_id_string)" if is_likely_id(secret, line) else None


def _templated(secret: str, line: str) -> str | None:
    return "templated value (detect-secrets is_templated_secret)" if is_templated(secret) else None


def _sequential(secret: str, line: str) -> str | None:
    return "sequential characters (detect-secrets is_sequential_string)" if is_sequential(secret) else None


def _indirect(secret: str, line: str) -> str | None:
    # Asked about the whole line, as detect-secrets does: `secret = get_secret()`.
    return "indirect reference (detect-secrets is_indirect_reference)" if is_indirect_reference(line) else None


def _uuid(secret: str, line: str) -> str | None:
    return "looks like a UUID (detect-secrets is_potential_uuid)" if is_uuid(secret) else None


def _not_alnum(secret: str, line: str) -> str | None:
    if not is_not_alphanumeric(secret):
        return None
    return "no letters or digits (detect-secrets is_not_alphanumeric_string)"


def _dollar(secret: str, line: str) -> str | None:
    if not is_dollar_prefixed(secret):
        return None
    return "variable reference (detect-secrets is_prefixed_with_dollar_sign)"


FILTERS: dict[str, Filter] = {
    "likely_id": _likely_id,
    "templated": _templated,
    "sequential": _sequential,
    "indirect_reference": _indirect,
    "uuid": _uuid,
    "not_alphanumeric": _not_alnum,
    "dollar_prefixed": _dollar,
}
