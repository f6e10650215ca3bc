"""First party or third party: hosts compared by registrable domain (Public Suffix List, offline snapshot)."""
from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList  # ships its list snapshot; never fetches one


@functools.lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()


@functools.lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """`api.shop.example.co.uk` → `example.co.uk`; an IP address, `localhost` or a bare name stays itself."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host or "." not in host:
        return host
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    return _suffixes().privatesuffix(host) or host


def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def decide_first_party(override: str | None, titles: Sequence[str], documents: Sequence[str],
                       origins: Sequence[str], hosts: Sequence[str]) -> tuple[str | None, str]:
    """The capture's own site and what decided it: `--first-party`, else the first page whose title
    is a URL (browsers title a HAR page with its address), else the first HTML document loaded, else
    the Origin or Referer of the first requests, else the first host requested."""
    steps: list[tuple[str, Sequence[str]]] = [
        ("--first-party", [override] if override else []),
        ("the HAR page title", [t for t in titles if "://" in t]),
        ("the first HTML document loaded", documents),
        ("the first requests' Origin or Referer", origins),
        ("the first host requested", hosts),
    ]
    for how, values in steps:
        for value in values:
            domain = registrable_domain(host_of(value) if "://" in value else value)
            if domain:
                return domain, how
    return None, ""


def is_third_party(host: str, first_party: str | None) -> bool:
    """A host outside the first party's registrable domain (never, when there is no first party)."""
    return bool(first_party and host) and registrable_domain(host) != first_party
