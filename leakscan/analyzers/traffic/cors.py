"""CORS that lets any site read responses: `*` with credentials, `null`, or the caller's Origin reflected."""
from __future__ import annotations

from leakscan.analyzers.traffic.exchange import Exchange
from leakscan.analyzers.traffic.party import host_of, registrable_domain
from leakscan.analyzers.traffic.places import Exposure

RULE = "exposure.cors.permissive"


def cors_exposures(exchange: Exchange, first_party: str | None) -> list[Exposure]:
    allowed = (exchange.header("access-control-allow-origin", response=True) or "").strip()
    if not allowed:
        return []
    credentials = (exchange.header("access-control-allow-credentials", response=True) or "").strip().lower() == "true"
    origin = (exchange.header("origin") or "").strip()
    reasons: list[tuple[str, float]] = []
    if allowed == "*" and credentials:
        what = "any origin (*) with credentials"
        reasons.append(("Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true "
                        "(browsers refuse the pair; the server means to let every site in)", -0.05))
    elif allowed.lower() == "null" and credentials:
        what = "the null origin with credentials"
        reasons.append(("Access-Control-Allow-Origin: null with credentials: sandboxed frames and file: pages "
                        "of any site send Origin: null", 0.0))
    elif origin and allowed == origin and _cross_site(origin, exchange.host, first_party):
        what = "a reflected cross-site Origin" + (" with credentials" if credentials else "")
        reasons.append((f"the response allows exactly the Origin the request sent ({host_of(origin)}), a site "
                        f"outside {registrable_domain(exchange.host)}: a server that echoes Origin lets every site in",
                        0.0))
        if credentials:
            reasons.append(("Access-Control-Allow-Credentials: true: other sites read responses made with the "
                            "user's cookies", 0.1))
        else:
            reasons.append(("no Access-Control-Allow-Credentials: only what needs no login is readable", -0.15))
    else:
        return []
    at = exchange.header_index("access-control-allow-origin", response=True)
    return [Exposure(RULE, f"CORS on {exchange.host} allows {what}",
                     f"/log/entries/{exchange.index}/response/headers/{at}/value", allowed, tuple(reasons),
                     exchange.entry_label)]


def _cross_site(origin: str, host: str, first_party: str | None) -> bool:
    site = registrable_domain(host_of(origin))
    return bool(site) and site != registrable_domain(host) and site != first_party
