"""detect-secrets plugin types, and the string each plugin hashes, for a leakscan finding.

A detect-secrets baseline stores `hashed_secret` = sha1 of what its plugin
extracted, which is not always the whole secret leakscan reports:
- JwtTokenDetector's pattern ends in a lazy `*?`, so it keeps `header.payload.`
  without the signature;
- PrivateKeyDetector keeps only the header phrase it matched
  (`BEGIN RSA PRIVATE KEY`), the same for every key of a kind, so a baseline
  entry of that type also has to sit on the finding's line;
- BasicAuthDetector keeps the password of `scheme://user:password@host`.
Every other plugin hashes the value itself.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

_JWT = re.compile(r"eyJ[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.?")
_PEM_PHRASE = re.compile(r"BEGIN (?:(?:DSA|EC|OPENSSH|RSA|SSH2 ENCRYPTED) )?PRIVATE KEY|BEGIN PGP PRIVATE KEY BLOCK|"
                         r"PuTTY-User-Key-File-2")
_USERINFO = re.compile(r"://[^{}\s]+:([^{}\s]+)@")

PRIVATE_KEY = "Private Key"


def _jwt_forms(secret: str) -> tuple[str, ...]:
    m = _JWT.search(secret)
    return (m.group(), secret) if m else (secret,)


def _pem_forms(secret: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_PEM_PHRASE.findall(secret)))


def _basic_auth_forms(secret: str) -> tuple[str, ...]:
    m = _USERINFO.search(secret)
    if m:
        return (m.group(1), secret)
    password = urlsplit(secret).password if "://" in secret else None
    return (password, secret) if password else (secret,)


# detect-secrets 1.x `type` names whose plugin hashes something other than the whole value.
_FORMS: dict[str, Callable[[str], tuple[str, ...]]] = {
    "JSON Web Token": _jwt_forms,
    PRIVATE_KEY: _pem_forms,
    "Basic Auth Credentials": _basic_auth_forms,
}

# Leakscan categories that report what each detect-secrets type reports; a type not
# listed (keyword, high-entropy and the provider-token plugins) is a `secret`.
TYPE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Basic Auth Credentials": ("secret", "url-token"),
    "JSON Web Token": ("secret", "url-token"),
    "Secret Keyword": ("secret", "url-token"),
    "Base64 High Entropy String": ("secret", "url-token"),
    "Hex High Entropy String": ("secret", "url-token"),
}


def secret_forms(ds_type: str | None, secret: str) -> tuple[str, ...]:
    """The strings detect-secrets' plugin of `ds_type` would have hashed for `secret`."""
    forms = _FORMS.get(ds_type or "")
    return forms(secret) if forms else (secret,)


def type_fits(ds_type: str | None, category: str) -> bool:
    """Whether a baseline entry of `ds_type` can stand for a finding of leakscan `category`."""
    return category in TYPE_CATEGORIES.get(ds_type or "", ("secret",))
