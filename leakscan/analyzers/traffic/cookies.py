"""Session cookies set without Secure, HttpOnly or SameSite (exposure.cookie.session-flags)."""
from __future__ import annotations

import re

from leakscan.analyzers.capture.vocab import vocabulary
from leakscan.analyzers.traffic.exchange import Exchange, SetCookie
from leakscan.analyzers.traffic.places import EntryData, Exposure

RULE = "exposure.cookie.session-flags"
SESSION_RULE = "capture.cookie.session"  # the scan's own judgement that a cookie carries a session

# Each missing attribute, what it lets happen, and how much it moves confidence.
_MISSING = (
    ("Secure", "the browser also sends it over plain http, where anyone on the path reads it", 0.05),
    ("HttpOnly", "any script on the page (an XSS) can read it", 0.05),
    ("SameSite", "other sites' requests carry it (cross-site request forgery)", 0.0),
)


def _is_session(cookie: SetCookie, data: EntryData | None) -> str | None:
    bare = re.sub(r"^__(secure|host)-", "", cookie.name, flags=re.I)
    if vocabulary().session_cookies.has(bare):
        return f"cookie {cookie.name!r} names a session or auth token"
    if data is not None and cookie.header is not None and any(
            s.rule_id == SESSION_RULE and s.side == "response" and s.part == "headers" and s.index == cookie.header
            for s in data.spots):
        return f"the scan found a session value in cookie {cookie.name!r}"
    return None


def cookie_exposures(exchange: Exchange, data: EntryData | None) -> list[Exposure]:
    found = []
    for cookie in exchange.set_cookies:
        why = _is_session(cookie, data)
        if why is None or len(cookie.value.strip('"')) < 8:
            continue
        flags = {"Secure": cookie.secure, "HttpOnly": cookie.http_only, "SameSite": bool(cookie.same_site)}
        missing = [(name, effect, delta) for name, effect, delta in _MISSING if not flags[name]]
        if not missing:
            continue
        names = ", ".join(name for name, _, _ in missing)
        reasons = [(why, 0.0)] + [(f"no {name}: {effect}", delta) for name, effect, delta in missing]
        header = cookie.header
        pointer = (f"/log/entries/{exchange.index}/response/headers/{header}/value" if header is not None
                   else f"/log/entries/{exchange.index}/request/url")
        value = exchange.response_headers[header][1] if header is not None else exchange.url
        found.append(Exposure(RULE, f"Set-Cookie {cookie.name} from {exchange.host} without {names}", pointer, value,
                              tuple(reasons), exchange.entry_label))
    return found
