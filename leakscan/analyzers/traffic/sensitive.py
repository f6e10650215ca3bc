"""Sensitive data handled carelessly: returned without authentication, cacheable, or credentials over http."""
from __future__ import annotations

import re

from leakscan.analyzers.traffic.auth import NONE, auth_kinds, session_cookie_values
from leakscan.analyzers.traffic.exchange import Exchange, is_asset
from leakscan.analyzers.traffic.places import EntryData, Exposure
from leakscan.analyzers.traffic.vocab import vocabulary

UNAUTHENTICATED = "exposure.response.unauthenticated-data"
CACHEABLE = "exposure.response.cacheable-sensitive"
PLAIN_HTTP = "exposure.transport.plain-http-credentials"

_PASSWORD_FIELD = re.compile(r"(?i)pass(word|wd)?|pwd|client_secret|otp|assertion")


def _url_place(exchange: Exchange) -> tuple[str, str]:
    return f"/log/entries/{exchange.index}/request/url", exchange.url


def _ok(exchange: Exchange) -> bool:
    """A successful API or page response (assets are public by design; secrets in them are findings already)."""
    return 200 <= exchange.status < 300 and exchange.method != "OPTIONS" and not is_asset(exchange)


def _is_login(exchange: Exchange, data: EntryData | None) -> bool:
    """An exchange whose job is to hand out credentials: a login, a token endpoint, a sign-up."""
    vocab = vocabulary()
    segments = {s.lower() for s in re.split(r"[/._]", exchange.path) if s}
    if segments & vocab.auth_paths:
        return True
    if data is not None and "password" in data.classes("request"):
        return True
    return bool(_PASSWORD_FIELD.search(exchange.request_body[:4096]))


def unauthenticated_exposures(exchange: Exchange, data: EntryData | None) -> list[Exposure]:
    if data is None or not _ok(exchange) or auth_kinds(exchange) != (NONE,):
        return []
    spots = data.sensitive("response")
    if not spots or _is_login(exchange, data):
        return []
    vocab = vocabulary()
    classes = sorted({s.data_class for s in spots})
    personal = [c for c in classes if c in vocab.personal]
    reasons = [(f"{exchange.method} answered {exchange.status} to a request with no Authorization header, "
                f"API key or cookie", 0.0),
               (f"the response carries {', '.join(classes)}", min(0.15, 0.05 * (len(classes) - 1)))]
    if not personal:
        reasons.append(("only credentials, no personal data: could be a public token (a CSRF or guest token)", -0.1))
    pointer, value = _url_place(exchange)
    return [Exposure(UNAUTHENTICATED, f"{exchange.endpoint} returns {', '.join(classes)} without authentication",
                     pointer, value, tuple(reasons), exchange.entry_label)]


def cache_exposures(exchange: Exchange, data: EntryData | None) -> list[Exposure]:
    if data is None or not _ok(exchange):
        return []
    spots = data.sensitive("response")
    if not spots:
        return []
    header = exchange.header("cache-control", response=True) or ""
    directives = {d.strip().split("=", 1)[0].lower() for d in header.split(",") if d.strip()}
    if directives & vocabulary().no_store:
        return []
    classes = sorted({s.data_class for s in spots})
    reasons = [(f"the response carries {', '.join(classes)}", 0.0)]
    if not header:
        reasons.append(("no Cache-Control header: browsers and proxies may keep the response", 0.0))
    elif "public" in directives or re.search(r"(?:s-)?max-age=[1-9]", header):
        reasons.append((f"Cache-Control: {header[:80]}: shared caches may store it", 0.1))
    elif directives & {"private", "no-cache"}:
        reasons.append((f"Cache-Control: {header[:80]}: kept out of shared caches, but still written to the "
                        "browser's disk cache", -0.1))
    at = exchange.header_index("cache-control", response=True)
    pointer, value = (_url_place(exchange) if at is None
                      else (f"/log/entries/{exchange.index}/response/headers/{at}/value", header))
    return [Exposure(CACHEABLE, f"{exchange.endpoint} returns {', '.join(classes)} without Cache-Control: no-store",
                     pointer, value, tuple(reasons), exchange.entry_label)]


def plain_http_exposures(exchange: Exchange, data: EntryData | None) -> list[Exposure]:
    loopback = exchange.host in vocabulary().loopback_hosts or exchange.host.endswith(".localhost")
    if exchange.scheme != "http" or loopback:
        return []
    carried = [kind for kind in auth_kinds(exchange) if kind != NONE and kind != "cookie"]
    if session_cookie_values(exchange):
        carried.append("session cookie")
    if data is not None:
        vocab = vocabulary()
        carried.extend(sorted({s.data_class for s in data.spots if s.side == "request"
                               and s.data_class in vocab.credentials} - set(carried)))
        if any(s.side == "response" and s.part in ("headers", "cookies") and s.rule_id == "capture.cookie.session"
               for s in data.spots):
            carried.append("session cookie set by the response")
    if not carried:
        return []
    reasons = ((f"http://{exchange.host}: no TLS, anyone on the network path reads the traffic", 0.0),
               (f"credentials in the exchange: {', '.join(dict.fromkeys(carried))}", 0.0))
    pointer, value = _url_place(exchange)
    return [Exposure(PLAIN_HTTP, f"credentials sent over plain http to {exchange.host}", pointer, value, reasons,
                     exchange.entry_label)]
