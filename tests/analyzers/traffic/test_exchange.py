"""HAR entries read as exchanges: streamed, path templates, Set-Cookie attributes."""
from __future__ import annotations

import json

import pytest

from leakscan.analyzers.traffic.exchange import exchange_of, iter_entries, page_titles, parse_set_cookie, path_template

from .har_builder import API, entry, har


@pytest.mark.parametrize("path, template", [
    ("/users/42/orders", "/users/{id}/orders"),
    ("/a/550e8400-e29b-41d4-a716-446655440000", "/a/{id}"),
    ("/items/9f1c2b3a4d5e6f70", "/items/{id}"),
    ("/customers/cus_8f3K2mZqA1", "/customers/{id}"),
    ("/u/dana%40corp.net/prefs", "/u/{email}/prefs"),
    ("/reset/aGVsbG8gd29ybGQxMjM0", "/reset/{id}"),
    ("/v2/me", "/v2/me"),
    ("/products/shoes-running-blue", "/products/shoes-running-blue"),
    ("/api/v2/customer_orders", "/api/v2/customer_orders"),
])
def test_ids_are_collapsed_names_are_kept(path, template):
    assert path_template(path) == template


def test_entries_stream_and_a_truncated_capture_keeps_its_complete_entries():
    text = json.dumps(har([entry("GET", f"{API}/a"), entry("GET", f"{API}/b")]))
    assert [e["request"]["url"] for _, e in iter_entries(text)] == [f"{API}/a", f"{API}/b"]
    cut = text[: text.index(f"{API}/b")]
    assert [i for i, _ in iter_entries(cut)] == [0]
    assert page_titles(text) == ["https://www.shop.example/account"]


def test_set_cookie_attributes_and_deletions():
    cookie = parse_set_cookie("sid=abc123def456; Path=/; Secure; HttpOnly; SameSite=Lax", 3)
    assert cookie is not None and (cookie.secure, cookie.http_only, cookie.same_site, cookie.header) == (
        True, True, "Lax", 3)
    assert parse_set_cookie("sid=; Max-Age=0", 0) is None
    assert parse_set_cookie("sid=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT", 0) is None


def test_an_exchange_keeps_what_the_checks_read():
    raw = entry("post", f"{API}/login?next=%2F", headers={"Origin": "https://www.shop.example"}, status=302,
                response_headers=[("Set-Cookie", "a=1234567890; Secure\nb=0987654321; HttpOnly")])
    exchange = exchange_of(4, raw)
    assert exchange is not None
    assert (exchange.method, exchange.host, exchange.path, exchange.status) == ("POST", "api.shop.example",
                                                                                "/v1/login", 302)
    assert exchange.header("ORIGIN") == "https://www.shop.example"
    assert [c.name for c in exchange.set_cookies] == ["a", "b"]  # one header, two cookies
    assert exchange.endpoint == "POST api.shop.example/v1/login"
    assert exchange_of(0, {"request": {"url": "not a url"}}) is None


def test_a_log_nested_under_another_key_is_not_a_har():
    nested = json.dumps({"test_response": har([entry("GET", f"{API}/a")])})
    assert list(iter_entries(nested)) == []
    assert len(list(iter_entries("\ufeff" + json.dumps(har([entry("GET", f"{API}/a")]))))) == 1
