"""One HTTP request, bounded: pinned to a checked address, a timeout, no redirects followed, a capped answer."""
from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from leakscan.verify.hosts import Target

MAX_ANSWER_BYTES = 256 * 1024


@dataclass(frozen=True)
class Prepared:
    """A request ready to send. Holds the secret: never printed, logged or put in an error."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: str

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, with the host name for SNI and certificate checks."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def send(request: Prepared, target: Target, timeout: float) -> Answer:
    """Send REQUEST to TARGET. OSError (and http.client's errors) on network failure; the caller words them."""
    parts = urlsplit(request.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection = (_PinnedHTTPS(target, timeout) if target.scheme == "https"
                                        else _PinnedHTTP(target, timeout))
    try:
        conn.request(request.method, path, body=request.body, headers=dict(request.headers))
        response = conn.getresponse()
        raw = response.read(MAX_ANSWER_BYTES)
        return Answer(response.status, tuple(response.getheaders()), raw.decode("utf-8", "replace"))
    finally:
        conn.close()
