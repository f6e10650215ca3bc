from __future__ import annotations

import random

import pytest

from leakscan.engine.literals import LiteralFinder
from leakscan.engine.prefilter import HAVE_HYPERSCAN

LITERALS = (b"openapi", b"swagger", b"HTTP/")


def _texts() -> list[bytes]:
    rng = random.Random(7)
    pieces = [b"x", b"\n", b"open", b"api", b"HTTP", b"/", b"swagger", b"\xc3\xa9", b"\xff"]
    return [b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))) for _ in range(300)]


def test_first_ends_are_where_each_literal_first_ends():
    finder = LiteralFinder(LITERALS)
    data = b"GET / HTTP/1.1\nopenapi: 3.0.0 openapi\n"
    assert finder.first_ends(data) == {b"HTTP/": data.index(b"HTTP/") + 5, b"openapi": data.index(b"openapi") + 7}
    assert finder.first_ends(b"nothing here") == {}


@pytest.mark.skipif(not HAVE_HYPERSCAN, reason="hyperscan not installed")
def test_hyperscan_and_bytes_find_agree():
    fast, plain = LiteralFinder(LITERALS), LiteralFinder(LITERALS, use_hyperscan=False)
    for data in _texts():
        assert fast.first_ends(data) == plain.first_ends(data), data
