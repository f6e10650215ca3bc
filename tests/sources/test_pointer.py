from __future__ import annotations

import pytest

from leakscan.sources.pointer import escape, is_within, join, split, unescape


def test_escape_round_trips_slash_and_tilde():
    assert escape("/users/{id}") == "~1users~1{id}"
    assert escape("a~b") == "a~0b"
    assert unescape("~01") == "~1"  # ~0 first would turn this into "/", RFC 6901 says "~1"
    assert unescape(escape("~1/")) == "~1/"


def test_join_and_split_are_inverse():
    pointer = join("/paths", "/users/{id}", "get", 0)
    assert pointer == "/paths/~1users~1{id}/get/0"
    assert split(pointer) == ["paths", "/users/{id}", "get", "0"]
    assert split("") == []


def test_split_rejects_a_relative_pointer():
    with pytest.raises(ValueError):
        split("paths/x")


def test_is_within():
    assert is_within("/a/b/c", "/a/b") and is_within("/a/b", "/a/b")
    assert not is_within("/a/bc", "/a/b")
