"""Recognise values that look like credentials but are templates or examples."""
from __future__ import annotations

import functools
import re

import yaml

from leakscan.resources import pack_dir

_TEMPLATE = re.compile(
    r"\$\{[^}]*\}|\{\{[^}]*\}\}|^<[A-Za-z_][A-Za-z0-9_ .:-]*>$|<[A-Za-z_][A-Za-z0-9_.:-]*_[A-Za-z0-9_.:-]*>"
    r"|%\([a-z_]+\)s|#\{[^}]*\}"
    r"|^\$[A-Za-z_][A-Za-z0-9_]*$|^%[A-Za-z_][A-Za-z0-9_]*%$|^\[[A-Za-z _-]+\]$",
)
_ENV_LOOKUP = re.compile(
    r"os\.environ|os\.getenv|getenv\(|process\.env|System\.getenv|ENV\[|env\(|secrets\.[A-Z_]|"
    r"\$env:|vault:|ssm:|keyvault|secretmanager|\bfrom_env\b",
    re.I,
)
# Whole values that stand for "no value" or "fill me in", or that only name
# their field (`password: password`, `https://user:password@host`); compared
# lowercased with punctuation stripped: never a credential.
_PLACEHOLDER_WORDS = frozenset([
    "none", "null", "nil", "undefined", "true", "false", "empty", "default", "placeholder", "redacted", "removed",
    "hidden", "masked", "notset", "unset", "todo", "fixme", "tbd", "changeme", "changeit", "yourpassword",
    "yourtoken", "yoursecret", "yourkey", "yourapikey", "xxx"])
_FIELD_NAME_WORDS = frozenset(["password", "passwd", "pwd", "pass", "secret", "token", "apikey", "accesstoken",
                               "secretkey", "privatekey", "credentials"])
_PLACEHOLDER_FRAGMENTS = re.compile(
    r"your[_\-. ]?(api[_\-]?)?(key|token|secret|password|pass|access|client|app|account)|"
    r"\byour[_\-. ][a-z0-9_\-. ]{0,40}(key|token|secret|password|id)\b|(goes|go|put)[_\-. ]?here|"
    r"(^|[_\-. ])(put|insert|add|paste|enter)[_\-. ][a-z0-9_\-. ]{0,40}[_\-. ]here$|"
    r"change[_\-]?me|replace[_\-]?(me|with|this)|insert[_\-]?(your|key|token|here)|"
    r"put[_\-]?your|enter[_\-]?your|placeholder|redacted|"
    r"x{5,}|X{5,}|\*{4,}|\.\.\.|…|0{8,}",
    re.I,
)
# AWS and others mark published sample keys with a capitalised EXAMPLE.
_EXAMPLE_MARK = re.compile(r"EXAMPLE")
# Demo and default values: often real (a default password committed to a
# dotfile is a risk), often fake (a tutorial). Weak evidence, not a verdict.
_DEMO_WORDS = frozenset([
    "password", "passwd", "pwd", "pass", "secret", "token", "key", "letmein", "test", "testing", "test123", "foo",
    "bar", "foobar", "baz", "qux", "example", "sample", "dummy", "fake", "mock", "demo", "password123", "secret123",
    "admin", "root", "user", "username", "abc", "abc123", "qwerty", "asdf", "guest"])
_DEMO_FRAGMENTS = re.compile(r"dummy|sample|example|fake|mock|demo", re.I)
_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"
_SEQUENCES = (("abcdefghijklmnopqrstuvwxyz", 6), ("0123456789", 8), (_KEYBOARD, 6))
SHORT_SECRET = 100
# What comes right before a value that stands where a person types a password:
# a password-named field (`password = "`, `DB_PASS=`, `Pwd=`) or the userinfo
# of a URL (`mongodb://user:`).
_PASSWORD_SLOT = re.compile(r"(?:pass(?:word|wd|phrase)?|pwd)[\w.\]-]{0,12}?[\W_]{0,6}$|://[^\s/@:]{1,64}:$", re.I)


@functools.lru_cache(maxsize=1)
def documentation_values() -> frozenset[str]:
    path = pack_dir() / "_documentation_values.yaml"
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except OSError:
        return frozenset()
    return frozenset(str(v) for v in values)


def placeholder_reason(secret: str, line: str = "", machine_written: bool = False) -> str | None:
    """Why `secret` is a placeholder, or None when it may be real.

    `machine_written`: the value sits in a file a program wrote or reads
    (.pgpass, a DB client's saved connections): there `password` is the
    password someone saved, not documentation standing in for one."""
    if secret in documentation_values():
        return "documentation example value"
    if secret.startswith("eyJ") and _is_jwt_io_sample(secret):
        return "the jwt.io sample token"
    if _TEMPLATE.search(secret):
        return "template or variable reference"
    if _ENV_LOOKUP.search(secret):
        return "environment or vault lookup"
    squashed = re.sub(r"[\W_]", "", secret).lower()
    if squashed in _PLACEHOLDER_WORDS:
        return "placeholder word"
    if squashed in _FIELD_NAME_WORDS and not machine_written:
        return "value only names its field"
    if _PLACEHOLDER_FRAGMENTS.search(secret) or _EXAMPLE_MARK.search(secret):
        return "placeholder text"
    if repeated_or_sequential(secret, keyboard_walks=not _typed_password(secret, line)):
        return "repeated or sequential characters"
    return None


def demo_value_reason(secret: str, line: str = "") -> str | None:
    """Why `secret` looks like a demo or default value, or None."""
    squashed = re.sub(r"[\W_]", "", secret).lower()
    if squashed in _DEMO_WORDS:
        return f"default or demo value ({squashed})"
    m = _DEMO_FRAGMENTS.search(secret)
    if m:
        return f"value looks like a demo ({m.group(0).lower()})"
    if _typed_password(secret, line):
        # No part of the value in the reason: this may be a real password.
        return "keyboard walk in a password (weak, often a demo)"
    return None


def _typed_password(secret: str, line: str) -> bool:
    """Whether `secret` sits where a person types a password and is more than
    a bare keyboard walk (`Asdfghjk#2024`, not `qwertyuiop`).

    People choose keyboard walks as passwords: in a password field or a
    connection string's userinfo a walk with digits or symbols around it is a
    weak password, not a placeholder. In generated tokens (API keys, account
    keys) a walk is still fabricated, and so is a value that is nothing but one."""
    if not line or len(secret) > 64:
        return False
    at = line.find(secret)
    if at <= 0 or not _PASSWORD_SLOT.search(line[max(0, at - 100):at]):  # minified lines are long
        return False
    walk = _keyboard_walk(secret.lower())
    return walk is not None and len(re.sub(r"[\W_]", "", secret)) > len(walk)


def _keyboard_walk(body: str) -> str | None:
    """The longest run of at least six letters in keyboard order in `body`."""
    seq, n = _KEYBOARD, 6
    best = None
    for i in range(len(body) - n + 1):
        j = i
        while j < len(body) and body[i:j + 1] in seq:
            j += 1
        if j - i >= n and (best is None or j - i > len(best)):
            best = body[i:j]
    return best


def _is_jwt_io_sample(token: str) -> bool:
    """jwt.io's debugger pre-fills a token for John Doe, sub 1234567890; its
    copies (with `admin: true`, other algorithms or secrets) fill tutorials."""
    import base64
    import json

    parts = token.split(".")
    if len(parts) < 2:
        return False
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return False
    return isinstance(payload, dict) and payload.get("sub") == "1234567890" and payload.get("name") == "John Doe"


def repeated_or_sequential(secret: str, keyboard_walks: bool = True) -> bool:
    """`keyboard_walks=False`: runs in keyboard order do not count (see
    `_typed_password`); alphabet and digit runs still do."""
    body = secret.lower()
    if len(body) >= 8 and len(set(body)) <= 3:
        return True
    if len(body) > SHORT_SECRET:
        # Long encoded secrets (PEM/DER bodies, JWTs) contain long runs such
        # as "AAAAAAAA" by construction; only short values are judged by runs.
        return False
    if re.search(r"(.)\1{7,}", body):
        return True
    # Six letters in alphabet or keyboard order are rare by chance in a
    # random value; digit runs need eight (real passwords end in 123456).
    return any(seq[i:i + n] in body for seq, n in _SEQUENCES if keyboard_walks or seq != _KEYBOARD
               for i in range(len(seq) - n + 1))
