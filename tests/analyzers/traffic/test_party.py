"""Registrable domains from the Public Suffix List snapshot, and how the first party is decided."""
from __future__ import annotations

import socket

import pytest

from leakscan.analyzers.traffic.party import decide_first_party, is_third_party, registrable_domain


@pytest.mark.parametrize("host, site", [
    ("api.shop.example.co.uk", "example.co.uk"),  # a multi-label public suffix
    ("WWW.Shop.Example.", "shop.example"),
    ("user.github.io", "user.github.io"),  # github.io is a suffix of its own (private section)
    ("10.0.0.7", "10.0.0.7"),
    ("[::1]", "::1"),
    ("localhost", "localhost"),
])
def test_registrable_domain(host, site):
    assert registrable_domain(host) == site


def test_the_list_is_read_offline(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    registrable_domain.cache_clear()
    assert registrable_domain("a.b.example.com.au") == "example.com.au"


def test_third_party_by_site_not_host():
    assert not is_third_party("api.shop.example", "shop.example")
    assert is_third_party("shop.example.net", "shop.example")
    assert not is_third_party("anything.example", None)  # no first party known: nothing is third party


def test_first_party_precedence():
    docs, origins, hosts = ["https://www.shop.example/"], ["https://app.other.example"], ["cdn.third.example"]
    assert decide_first_party("https://my.site.example/x", ["https://p.example/"], docs, origins, hosts) == (
        "site.example", "--first-party")
    assert decide_first_party(None, ["Shop", "https://p.example/"], docs, origins, hosts) == (
        "p.example", "the HAR page title")
    assert decide_first_party(None, ["Shop"], docs, origins, hosts)[0] == "shop.example"
    assert decide_first_party(None, [], [], origins, hosts)[0] == "other.example"
    assert decide_first_party(None, [], [], [], hosts) == ("third.example", "the first host requested")
    assert decide_first_party(None, [], [], [], []) == (None, "")
