from __future__ import annotations

import json

import pytest

from leakscan.analyzers.capture.sites import AnchorSite, FileSite, LazySite, ShiftSite, StringSite


@pytest.mark.parametrize("value", [
    "plain token abc123",
    'quoted "abc123" after quotes',
    "line one\nline two abc123",
    "tab\there \\ backslash abc123",
    "accents éé abc123",
    "emoji 😀 then abc123",
    "\u2028 separators abc123",
])
@pytest.mark.parametrize("ascii_only", [True, False])
def test_string_site_maps_decoded_offsets_to_the_raw_literal(value, ascii_only):
    text = '{"k": ' + json.dumps(value, ensure_ascii=ascii_only) + "}"
    quote_at = text.index('"', 5)
    site = StringSite(FileSite(text), text, quote_at, len(text) - 1)
    offset = value.index("abc123")
    line, column = site.position(offset)
    assert (line, column) == (1, text.index("abc123") + 1)


def test_nested_sites_reach_the_file():
    inner = json.dumps({"user": {"ssn": "536-22-1845"}})
    outer = "{\n  \"text\": " + json.dumps(inner) + "\n}"
    quote_at = outer.index('"{')
    body = StringSite(FileSite(outer), outer, quote_at, outer.rindex('"') + 1)
    value_at = inner.index("536")
    in_file = FileSite(outer).position(outer.index("536"))
    assert in_file[0] == 2 and body.position(value_at) == in_file
    assert ShiftSite(body, 3).position(value_at - 3) == in_file
    assert AnchorSite(body, 0).position(500) == FileSite(outer).position(quote_at + 1)


def test_lazy_site_resolves_once():
    calls = []

    def resolve():
        calls.append(1)
        return FileSite("a\nbc")

    site = LazySite(resolve)
    assert site.position(3) == (2, 2) and site.position(0) == (1, 1) and calls == [1]
    assert LazySite(lambda: None).position(4) is None


class _SmallBlocks(FileSite):
    BLOCK = 8  # many block edges in a short text


def _naive(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def test_file_site_positions_agree_with_counting_from_the_start_across_block_edges() -> None:
    text = "ab\ncdefghijklmnopqrstuvwxyz0123456789\n\n" + "x" * 40 + "\nend"
    site = _SmallBlocks(text)
    assert [site.position(i) for i in range(len(text) + 1)] == [_naive(text, i) for i in range(len(text) + 1)]


def test_file_site_column_on_a_long_single_line_is_found_within_one_block() -> None:
    text = "{" + "a" * 50 + "\n" + "b" * 300 + "}"
    site = _SmallBlocks(text)
    searched: list[tuple[int, int]] = []

    class Spy(str):
        def rfind(self, sub: str, start: int = 0, end: int = -1) -> int:  # type: ignore[override]
            searched.append((start, end))
            return str.rfind(self, sub, start, end)

    site.text = Spy(text)
    site._index()
    searched.clear()
    assert site.position(len(text) - 1) == (2, 301)
    assert all(end - start <= _SmallBlocks.BLOCK for start, end in searched)
