"""Large JSON read one member at a time: entries and records with their places, in a bounded window."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from leakscan.analyzers.jsonspan import JsonSpans
from leakscan.sources.jsonstream import (
    BLOCK,
    Member,
    TextReader,
    file_blocks,
    har_members,
    plain_utf8_length,
    string_blocks,
    text_lines,
)
from leakscan.sources.lenient_json import LongInteger


def _har(entries: int, body: int = 300, indent: int | None = None) -> str:
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": 12345},
                   "entries": [{"request": {"method": "GET", "url": f"https://a.test/{i}"},
                                "response": {"content": {"text": f"é{i}\n" + "x" * body}}} for i in range(entries)],
                   "comment": "after the entries"}}
    return json.dumps(har, indent=indent, ensure_ascii=False)


def _walk(text: str, size: int, start: int = 0) -> tuple[list[Member], dict, dict[int, list]]:
    spans: dict[int, list] = {}
    out = list(har_members(TextReader(string_blocks(text, start, size), start),
                           lambda at, members: spans.__setitem__(at, members), entry_spans=True))
    root = out.pop()
    assert isinstance(root, dict) and all(isinstance(m, Member) for m in out)
    return out, root, spans


def _line_and_start(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, text.rfind("\n", 0, offset) + 1


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("size", [3, 64, 1 << 20])
def test_entries_come_one_at_a_time_with_their_text_and_place(indent, size):
    text = _har(30, indent=indent)
    members, root, _ = _walk(text, size)
    whole = json.loads(text)
    assert [m.value for m in members] == whole["log"]["entries"]
    for m in members:
        assert text[m.offset:m.offset + len(m.text)] == m.text and json.loads(m.text) == m.value
        assert (m.line, m.line_start) == _line_and_start(text, m.offset)
    whole["log"]["entries"] = []
    assert root == whole  # everything but the entries, parsed (the list is there, empty)


def test_member_spans_are_those_a_whole_text_index_finds():
    text = "\ufeff" + _har(5, indent=1)
    members, _, spans = _walk(text, 7, start=1)
    index = JsonSpans(text, 1)
    for tokens in (["log"], ["log", "version"], ["log", "creator"], ["log", "entries", "3"], ["log", "comment"]):
        start, end = index.value_span(tokens)
        assert (tokens[-1], start, end) in spans[index.value_span(tokens[:-1])[0]]
    entries_at = index.value_span(["log", "entries"])[0]
    assert spans[entries_at] == [(str(m.index), m.offset, m.offset + len(m.text)) for m in members]


def test_a_number_cut_by_a_block_boundary_is_read_whole():
    for size in range(1, 12):
        _, root, _ = _walk('{"log": {"version": 1234567890, "entries": []}}', size)
        assert root["log"]["version"] == 1234567890


@pytest.mark.parametrize("size", [7, 1000, 1 << 20])
def test_an_integer_past_the_digit_limit_is_a_placeholder_and_the_walk_goes_on(size):
    digits = "9" * 5000  # past the 4,300 digits int() accepts
    text = '{"log": {"version": ' + digits + ', "entries": [{"a": 1}, {"n": -' + digits + '}, {"c": 3}]}}'
    reader = TextReader(string_blocks(text, 0, size))
    out = list(har_members(reader))
    root = out.pop()
    assert [m.value for m in out][::2] == [{"a": 1}, {"c": 3}]
    assert out[1].value["n"] == LongInteger(5000) and root["log"]["version"] == LongInteger(5000)
    assert reader.long_integer


def test_no_long_integer_no_placeholder():
    reader = TextReader(string_blocks(_har(3), 0, 64))
    list(har_members(reader))
    assert not reader.long_integer


@pytest.mark.parametrize("text", [
    '{"log": {"entries": [{"a": 1}, {"b": ', '{"log": {"entries": [{"a": 1}]}} extra', '[1, 2]',
    '{"log": {"entries": [{"a": 1} {"b": 2}]}}', '{"log": {"entries": [{"a": nope}]}}', '',
])
def test_broken_or_cut_text_raises_after_the_complete_entries(text):
    reader = TextReader(string_blocks(text, 0, 5))
    seen = []
    with pytest.raises(ValueError):
        for member in har_members(reader):
            seen.append(member)
    assert all(isinstance(m, Member) for m in seen)


def _generated(entries: int, body: int) -> Iterator[str]:
    """A HAR written piece by piece, never whole: what a file read in blocks looks like."""
    yield '{"log": {"version": "1.2", "entries": ['
    for i in range(entries):
        yield ("," if i else "") + json.dumps({"request": {"url": f"https://a.test/{i}"},
                                                "response": {"content": {"text": "y" * body}}})
    yield "]}}"


def test_the_window_holds_about_one_entry_however_many_there_are():
    peaks = {}
    for entries in (20, 400):
        reader = TextReader(_generated(entries, body=50_000))
        count = sum(isinstance(m, Member) for m in har_members(reader))
        assert count == entries
        peaks[entries] = reader.peak
    # Twenty times the input (1 MB, then 20 MB), the same window: a block read ahead and an entry or two.
    assert peaks[400] <= BLOCK + 4 * 50_000
    assert peaks[400] - peaks[20] <= 4 * 50_000


def test_an_entry_larger_than_a_block_is_read_whole_in_a_window_near_its_size():
    reader = TextReader(string_blocks(_har(2, body=300_000), 0, 1000))
    members = [m for m in har_members(reader) if isinstance(m, Member)]
    assert [len(m.value["response"]["content"]["text"]) for m in members] == [300_003, 300_003]
    assert reader.peak < 3 * 300_100  # the unread part doubles at most once past the entry's end


def test_lines_come_with_their_line_number_and_offset(tmp_path):
    text = '\ufeff{"a": 1}\r\n\n{"b": "é"}\n{"c": 3}'
    path = tmp_path / "log.jsonl"
    path.write_text(text, encoding="utf-8", newline="")
    for reader in (TextReader(string_blocks(text, 1, 2), 1), TextReader(file_blocks(str(path), 3))):
        lines = list(text_lines(reader))
        assert [m.text.lstrip("\ufeff") for m in lines] == ['{"a": 1}\r', "", '{"b": "é"}', '{"c": 3}']
        assert [(m.index, m.line) for m in lines] == [(0, 1), (1, 2), (2, 3), (3, 4)]
        assert all(text[m.offset:m.offset + len(m.text)] == m.text for m in lines)
        assert [m.line_start for m in lines] == [0, text.index("\n") + 1, text.index("\n\n") + 2,
                                                 text.rindex("\n") + 1]


@pytest.mark.parametrize("block", [3, 7, 1 << 20])
def test_plain_utf8_length_is_the_decoded_texts_or_none(tmp_path, block):
    """The length read_file's text would have, or None where it would not decode the file as plain UTF-8
    (a byte-order mark, UTF-16, binary, invalid UTF-8 anywhere) or a refused word is in it (across blocks)."""
    cases = {
        "plain": ("caf\u00e9 \u2603 \U0001f600 {}\r\n" * 50).encode(), "bom": "\ufeff{}".encode(),
        "wide": "{}".encode("utf-16-le") * 40, "binary": b"{\x00}" * 10,
        "broken": ("x" * 100).encode() + b"\xc3", "cut pair": ("\u00e9" * 10).encode()[:-1] + b"ab",
        "refused": ("x" * 95 + "swagger" + "y" * 50).encode(),
    }
    lengths = {}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        lengths[name] = plain_utf8_length(str(path), (b"openapi", b"swagger"), block)
    assert lengths == {"plain": len(cases["plain"].decode()), "bom": None, "wide": None, "binary": None,
                       "broken": None, "cut pair": None, "refused": None}
