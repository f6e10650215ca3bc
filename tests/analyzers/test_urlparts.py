"""split_url gives what urlsplit gives, its authority parsed once per origin (analyzers/urlparts.py)."""
from __future__ import annotations

import random
from urllib.parse import urlsplit

import pytest

from leakscan.analyzers.urlparts import split_url

_SCHEMES = ["https://", "http://", "HTTPS://", "ws://", "git+ssh://", "//", " https://", "\thttp://", "1ab://",
            "mailto:", "https:/"]
_AUTHORITIES = ["api.shop.pl", "API.Shop.PL", "sklep.example.de.", "user:pw@bank.example.fr", "a@b@c.dk",
                "[2001:db8::1]", "[2001:db8::1]:8443", "[::1", "::1]", "[v1.fe]", "host:port", "ex.io:",
                "xn--bcher-kva.example", "b\u00fccher.example", "\uff21.example", "a\u2100b.example", "", "@"]
_RESTS = ["", "/", "/v1/users/42", "?a=b/c", "#f?g", "/p?q#f", "/a b ", "/%2F?x=%3F", "/\u00e9t\u00e9", "?"]


def _case(rng: random.Random) -> str:
    url = rng.choice(_SCHEMES) + rng.choice(_AUTHORITIES) + rng.choice(_RESTS)
    if rng.random() < 0.1:
        at = rng.randrange(len(url) + 1)
        url = url[:at] + rng.choice(["\t", "\n", "\r", " ", "\x00"]) + url[at:]
    return url


def test_split_url_gives_urlsplits_scheme_host_and_path() -> None:
    rng = random.Random(11)
    for _ in range(6000):
        url = _case(rng)
        try:
            parts = urlsplit(url)
            expected = (parts.scheme, parts.hostname, parts.path)
        except ValueError:
            with pytest.raises(ValueError):
                split_url(url)
            continue
        assert tuple(split_url(url)) == expected, repr(url)


def test_a_bad_authority_raises_each_time_it_is_asked() -> None:
    """An origin urlsplit turns down is never remembered as good: the second URL raises too."""
    for _ in range(2):
        with pytest.raises(ValueError):
            split_url("https://[2001:db8::1/v1/users")
