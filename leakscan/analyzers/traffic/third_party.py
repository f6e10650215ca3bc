"""Personal data, tokens and session ids that a page sends to hosts outside its own site."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from leakscan.analyzers.traffic.exchange import Exchange
from leakscan.analyzers.traffic.places import EntryData, Exposure, Spot
from leakscan.analyzers.traffic.vocab import vocabulary

RULE = "exposure.third-party.sensitive-data"
_PARTS = {"url": "URL", "queryString": "URL", "postData": "body"}


@dataclass(frozen=True)
class FirstParty:
    domain: str
    how: str  # what decided it: "--first-party", "the page title", "the first document loaded"...
    secrets: frozenset[str]  # values the scan found in first-party traffic: a token there is the site's own
    sessions: frozenset[str]  # values of the session cookies first-party requests sent


def _where(exchange: Exchange, spot: Spot) -> str | None:
    """The part of a request a leak can travel in; None for headers and cookies meant for the host itself."""
    if spot.part in _PARTS:
        return _PARTS[spot.part]
    if spot.part == "headers" and spot.index is not None and spot.index < len(exchange.request_headers):
        name = exchange.request_headers[spot.index][0]
        return "Referer" if name.lower() in ("referer", "referrer") else None
    return None


def third_party_exposures(exchange: Exchange, data: EntryData | None, first: FirstParty) -> list[Exposure]:
    vocab = vocabulary()
    leaks: dict[tuple[str, str], tuple[str, str, float]] = {}  # (class, where) -> (pointer, why, delta)
    for spot in data.sensitive("request") if data is not None else []:
        where = _where(exchange, spot)
        if where is None:
            continue
        if spot.data_class in vocab.personal:
            leaks.setdefault((spot.data_class, where), (spot.pointer, "personal data", 0.0))
        elif where == "Referer":
            leaks.setdefault((spot.data_class, where), (spot.pointer, "the page's own URL, credential included", 0.05))
        elif spot.secret and spot.secret in first.secrets:
            leaks.setdefault((spot.data_class, where), (spot.pointer, f"the same value is in {first.domain} traffic",
                                                        0.05))
        # Otherwise a token in a third party's URL is most often that party's own key (a maps or analytics id).
    for where, pointer in _session_values(exchange, first.sessions):
        leaks.setdefault(("session-id", where), (pointer, f"the value of a {first.domain} session cookie", 0.1))
    found = []
    for (data_class, where), (pointer, why, delta) in sorted(leaks.items()):
        value = _value_at(exchange, pointer)
        reasons = ((f"{exchange.host} is outside the first party {first.domain} (decided by {first.how})", 0.0),
                   (f"{data_class} in the request's {where}: {why}", delta))
        found.append(Exposure(RULE, f"{data_class} sent to third-party host {exchange.host} in the {where}",
                              pointer.split("#", 1)[0], value, reasons, exchange.entry_label))
    return found


def _session_values(exchange: Exchange, sessions: Iterable[str]) -> list[tuple[str, str]]:
    base = f"/log/entries/{exchange.index}/request"
    referer_at = exchange.header_index("referer")
    places = [("URL", f"{base}/url", exchange.url), ("body", f"{base}/postData/text", exchange.request_body)]
    if referer_at is not None:
        places.append(("Referer", f"{base}/headers/{referer_at}/value", exchange.request_headers[referer_at][1]))
    return [(where, pointer) for where, pointer, text in places if text and any(v in text for v in sessions)]


def _value_at(exchange: Exchange, pointer: str) -> str:
    """The string at a request pointer, for the finding's span; the URL when it is elsewhere."""
    parts = pointer.split("#", 1)[0].split("/")
    if len(parts) >= 7 and parts[5] in ("headers", "queryString") and parts[6].isdigit():
        pairs = exchange.request_headers if parts[5] == "headers" else exchange.query
        index = int(parts[6])
        return pairs[index][1] if index < len(pairs) else ""
    if len(parts) >= 7 and parts[5] == "postData":
        return exchange.request_body if parts[6] == "text" else ""
    return exchange.url

