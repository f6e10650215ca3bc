"""A URL's scheme, host and path as `urllib.parse.urlsplit` gives them, its authority parsed once per origin.

A capture sends thousands of requests to a handful of origins, and every
request's URL is split for its host three times (regions, exposure checks,
the inventory). The authority is the part urlsplit validates and parses
(user info, port, IPv6 brackets, NFKC), so that part goes through urlsplit
once per origin; the path is a slice. A URL holding a tab or a newline
(which urlsplit removes before it splits) or not starting with its scheme
goes to urlsplit whole.
"""
from __future__ import annotations

import functools
import re
from typing import NamedTuple
from urllib.parse import urlsplit

# The scheme (urllib's scheme characters) and the authority, up to the first `/`, `?` or `#` or the end.
_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*")


class UrlParts(NamedTuple):
    scheme: str  # lower case
    hostname: str | None  # lower case; None without an authority or a host in it
    path: str


def split_url(url: str) -> UrlParts:
    """urlsplit's scheme, hostname and path of `url`; ValueError where urlsplit raises one (a bad authority)."""
    origin = _ORIGIN.match(url)
    if origin is None or "\t" in url or "\n" in url or "\r" in url:
        parts = urlsplit(url)
        return UrlParts(parts.scheme, parts.hostname, parts.path)
    scheme, hostname = _origin(origin.group())
    rest = url[origin.end():]
    # urlsplit cuts the fragment first, then the query: the path ends at the first `?` or `#`.
    return UrlParts(scheme, hostname, rest.partition("#")[0].partition("?")[0])


@functools.lru_cache(maxsize=1024)
def _origin(origin: str) -> tuple[str, str | None]:
    parts = urlsplit(origin)
    return parts.scheme, parts.hostname
