"""How a request authenticated: none, cookie, bearer, basic, another Authorization scheme, or an API key."""
from __future__ import annotations

import re

from leakscan.analyzers.capture.vocab import vocabulary
from leakscan.analyzers.traffic.exchange import Exchange

_COOKIE_NAME = re.compile(r"(?:^|;)\s*([^=;\s]+)=")
NONE = "none"


def cookie_names(exchange: Exchange) -> list[str]:
    names = [name for name, _ in exchange.request_cookies]
    header = exchange.header("cookie")
    if header:
        names.extend(_COOKIE_NAME.findall(header))
    return names


def auth_kinds(exchange: Exchange) -> tuple[str, ...]:
    """Every way the request carried credentials, sorted; ("none",) when it carried none.
    Analytics and consent cookies are not credentials; a cookie of any other name may be."""
    vocab = vocabulary()
    kinds: set[str] = set()
    for name, value in exchange.request_headers:
        if vocab.authorization_headers.has(name) and value.strip():
            scheme = value.strip().split(" ", 1)[0].lower() if " " in value.strip() else "token"
            kinds.add({"bearer": "bearer", "basic": "basic"}.get(scheme, f"authorization-{scheme}"))
        elif vocab.credential_headers.has(name) and value.strip():
            kinds.add("api-key-header")
    if any(vocab.strong_params.has(name) and value for name, value in exchange.query):
        kinds.add("api-key-query")
    if any(not vocab.ignored_cookies.has(re.sub(r"^__(secure|host)-", "", n, flags=re.I))
           for n in cookie_names(exchange)):
        kinds.add("cookie")
    return tuple(sorted(kinds)) or (NONE,)


def session_cookie_values(exchange: Exchange) -> list[str]:
    """Values of the session cookies a request sent (to look for them where they should not go)."""
    vocab = vocabulary()
    pairs = list(exchange.request_cookies)
    header = exchange.header("cookie") or ""
    for part in header.split(";"):
        name, eq, value = part.strip().partition("=")
        if eq:
            pairs.append((name, value))
    return [value.strip('"') for name, value in pairs
            if vocab.session_cookies.has(re.sub(r"^__(secure|host)-", "", name, flags=re.I))
            and len(value.strip('"')) >= 12]
