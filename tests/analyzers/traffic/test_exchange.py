"""HAR entries read as exchanges: streamed (from a text or block by block), path templates, Set-Cookie attributes."""
from __future__ import annotations

import json

import pytest

from leakscan.analyzers.traffic.exchange import (
    entries_at,
    exchange_of,
    iter_entries,
    page_titles,
    parse_set_cookie,
    path_template,
    streamed_entries,
    streamed_entry_texts,
    streamed_page_titles,
)
from leakscan.sources.jsonstream import TextReader, string_blocks

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


def _variants() -> dict[str, str]:
    entries = [entry("GET", f"{API}/a", body={"n": 10 ** 30}), entry("POST", f"{API}/b", body="x" * 300),
               entry("GET", f"{API}/c")]
    compact = json.dumps(har(entries), separators=(",", ":"))
    note = {"log": {"creator": {"name": "t", "comment": "a \"entries\": [ word in a string " * 20},
                    "entries": entries}}
    return {
        "compact": compact, "indented": json.dumps(har(entries), indent=2), "bom": "\ufeff" + compact,
        "leading whitespace": "\n" * 300 + "  " + compact, "cut": compact[: compact.index(f"{API}/c")],
        "comment before": json.dumps(note), "nested": json.dumps({"test_response": har(entries)}),
        "spaced": compact.replace('"entries":[', '"entries" \n :\t [').replace("},{", "} ,\n\n {"),
        "empty": json.dumps(har([])), "not json": "log entries " * 50,
    }


@pytest.mark.parametrize("name", sorted(_variants()))
@pytest.mark.parametrize("block", [7, 97, 1 << 20])
def test_entries_read_block_by_block_are_the_entries_read_whole(name, block):
    text = _variants()[name]
    streamed = streamed_entries(TextReader(string_blocks(text, 0, block)))
    assert streamed is not None
    assert list(streamed) == list(iter_entries(text))


def test_a_streamed_read_gives_up_when_the_entries_list_is_past_its_window():
    text = json.dumps({"log": {"comment": "c" * 5000, "entries": [entry("GET", f"{API}/a")]}})
    assert streamed_entries(TextReader(string_blocks(text, 0, 100)), window=1000) is None
    assert len(list(streamed_entries(TextReader(string_blocks(text, 0, 100)), window=8000) or [])) == 1


@pytest.mark.parametrize("name", sorted(_variants()))
@pytest.mark.parametrize("block", [7, 97, 1 << 20])
def test_entry_texts_read_block_by_block_are_where_the_whole_text_has_them(name, block):
    """Each wanted entry's text, offset, line and line start, as the whole text has them (up to the last
    wanted: the read stops there), and the pages' titles as page_titles reads them."""
    text = _variants()[name]
    whole = {index: at for index, at, _ in entries_at(text)}
    wanted = {i for i in whole if i % 2 == 0}
    streamed = streamed_entry_texts(TextReader(string_blocks(text, 0, block)), wanted)
    assert streamed is not None
    members = list(streamed)
    assert [m.index for m in members] == sorted(wanted)
    for member in members:
        offset = whole[member.index]
        assert (member.offset, text[offset:offset + len(member.text)]) == (offset, member.text)
        assert json.loads(member.text) == dict(iter_entries(text))[member.index]
        assert member.line == text.count("\n", 0, offset) + 1 and member.line_start == text.rfind("\n", 0, offset) + 1
    assert streamed_page_titles(TextReader(string_blocks(text, 0, block))) == page_titles(text)
