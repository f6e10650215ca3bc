"""Where a verifier may send a secret: the documented host, an endpoint the user named, or a public address."""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


class HostRefused(Exception):
    """A request that would send a secret somewhere it must not go; the message names the host, never the secret."""


@dataclass(frozen=True)
class Target:
    """Where one request connects: the URL's host for TLS and Host, and the address checked before connecting."""

    scheme: str
    host: str
    port: int
    address: str  # the IP the connection is pinned to (checked), so DNS cannot answer differently twice


def parse_endpoint_overrides(values: tuple[str, ...]) -> dict[str, str]:
    """`--verify-endpoint NAME=URL` values as {provider: base URL}; ValueError says which one is wrong."""
    out: dict[str, str] = {}
    for value in values:
        name, eq, url = value.partition("=")
        parts = urlsplit(url.strip())
        if not eq or not name.strip() or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--verify-endpoint expects NAME=URL (http or https), got {value!r}")
        out[name.strip()] = url.strip().rstrip("/")
    return out


def resolve_target(url: str, *, user_named: bool, resolver: object = socket.getaddrinfo) -> Target:
    """The address to connect to for URL. A host the user named with --verify-endpoint may be anything
    (a GitHub Enterprise on the intranet, a mock on 127.0.0.1); every other host must be https and resolve
    only to public addresses: a host taken from scanned content could otherwise aim the secret at the
    metadata service, the loopback interface or the internal network."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not user_named and parts.scheme != "https":
        raise HostRefused(f"refused {parts.scheme}://{host}: only https is used for hosts not named by "
                          "--verify-endpoint")
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)  # type: ignore[operator]
    except (OSError, UnicodeError) as exc:
        raise HostRefused(f"cannot resolve {host}: {getattr(exc, 'strerror', None) or type(exc).__name__}") from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses:
        raise HostRefused(f"cannot resolve {host}")
    if not user_named:
        for address in addresses:
            if not is_public(address):
                raise HostRefused(f"refused {host}: it resolves to {address}, a private, loopback, link-local or "
                                  "reserved address (only --verify-endpoint may name such a host)")
    return Target(parts.scheme, host, port, addresses[0])


def is_public(address: str) -> bool:
    """A globally routable unicast address; IPv4-mapped IPv6 addresses are judged as the IPv4 they carry."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
