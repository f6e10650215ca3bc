"""HAR entries and JSON-lines records read one at a time give what reading the whole document gives.

The reference here is the whole-document way: `json.loads` on the file, every
entry's values sited through one index of the whole text, one `finalize` at
the end. The streamed scan must give the same candidates (rules, values,
pointers, lines, columns, other places, reasons), and must not hold what it
has read: its memory peak does not grow with the number of entries.
"""
from __future__ import annotations

import json
import tracemalloc

import pytest

from leakscan.analyzers.capture.har import HAR, entry_items, log_items
from leakscan.analyzers.capture.items import analyze
from leakscan.analyzers.capture.jsonbody import JSON_LINES, RECORDS_PER_BATCH, _record_items
from leakscan.analyzers.capture.jsondoc import Doc
from leakscan.analyzers.capture.payload import Context, finalize
from leakscan.analyzers.capture.sites import FileSite, ShiftSite
from leakscan.model import Chunk, Origin

from ...conftest import FIXTURES, fake_aws_key_id, fake_github_token, fake_password


def _entry(i: int) -> dict:
    body = {"page": i, "users": [{"name": "Zoë Ünal", "email": f"zoe.{i}.{j}@shop-mail.test",
                                  "phone": "+49 30 901820", "note": "lives at 12 rue d'Été"} for j in range(3)]}
    headers = [{"name": "Authorization", "value": f"Bearer {fake_github_token(i)}"}] if i % 3 == 0 else []
    return {"startedDateTime": "2026-11-01T10:00:00.000Z", "time": 3, "comment": f"ask ops.{i}@corp-mail.test",
            "request": {"method": "POST", "url": f"https://shop.test/api/login?key={fake_aws_key_id(i)}&page={i}",
                        "httpVersion": "HTTP/1.1", "headers": headers, "cookies": [], "queryString": [],
                        "postData": {"mimeType": "application/json",
                                     "text": json.dumps({"user": "zoe", "password": fake_password(i)})},
                        "headersSize": -1, "bodySize": -1},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                         "cookies": [], "redirectURL": "", "headersSize": -1, "bodySize": -1,
                         "content": {"size": 1, "mimeType": "application/json", "text": json.dumps(body)}}}


def _har_text(style: str, entries: int = 12) -> str:
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1", "comment": "by admin.x@corp-mail.test"},
                   "entries": [_entry(i) for i in range(entries)], "comment": "end"}}
    if style == "compact":
        return json.dumps(har, separators=(",", ":"))
    if style == "indented":
        return json.dumps(har, indent=2, ensure_ascii=False)
    return "\ufeff" + json.dumps(har, indent=1).replace("\n", "\r\n")  # a byte-order mark, CRLF lines


def _whole_document_har(text: str, engine, path: str) -> list:
    ctx = Context(engine, path, "har")
    start = 1 if text.startswith("\ufeff") else 0
    doc = Doc(text, FileSite(text), offset=start)
    data = json.loads(text[start:])
    protos = []
    for i, entry in enumerate(data["log"]["entries"]):
        protos.extend(analyze(entry_items(entry, i, doc, [], path), ctx))
    protos.extend(analyze(log_items(data, doc), ctx))
    return finalize(protos, ctx)


@pytest.mark.parametrize("style", ["compact", "indented", "bom-crlf"])
def test_streamed_har_gives_the_whole_document_findings(engine, monkeypatch, style):
    text = _har_text(style)
    expected = _whole_document_har(text, engine, "t.har")
    assert len(expected) > 20 and any(c.line > 10 for c in expected) != (style == "compact")
    for block in (None, 97):  # the default window, and one that cuts every entry and value
        if block:
            monkeypatch.setattr("leakscan.sources.jsonstream.BLOCK", block)
        result = HAR.scan(Chunk(text, Origin(kind="file", path="t.har")), engine)
        assert list(result.candidates) == expected


def test_streamed_har_fixture_gives_the_whole_document_findings(engine):
    text = (FIXTURES / "captures" / "shop-session.har").read_text(encoding="utf-8")
    result = HAR.scan(Chunk(text, Origin(kind="file", path="shop-session.har")), engine)
    assert list(result.candidates) == _whole_document_har(text, engine, "shop-session.har")



@pytest.mark.parametrize("style", ["compact", "indented"])
def test_a_har_with_an_over_long_integer_is_still_read_one_entry_at_a_time(engine, monkeypatch, style):
    har = json.loads(_har_text(style, entries=6))
    har["log"]["entries"][2]["response"]["bodySize"] = "LONG"  # in the middle: entries before and after it
    text = _har_text_of(har, style).replace('"LONG"', "7" * 5000)
    expected = HAR.scan(Chunk(text, Origin(kind="file", path="t.har")), engine)
    assert [e.message for e in expected.errors] == [
        "JSON holds an integer longer than Python's limit of digits; that integer was left out and the rest "
        "of the file scanned by its structure"]
    assert len(expected.candidates) > 10

    def whole_text_parsed(text: str) -> None:
        raise AssertionError("the whole HAR was parsed at once")

    monkeypatch.setattr("leakscan.analyzers.capture.har.parse_json", whole_text_parsed)
    for block in (None, 97):
        if block:
            monkeypatch.setattr("leakscan.sources.jsonstream.BLOCK", block)
        result = HAR.scan(Chunk(text, Origin(kind="file", path="t.har")), engine)
        assert result == expected


def _har_text_of(har: dict, style: str) -> str:
    return json.dumps(har, separators=(",", ":")) if style == "compact" else json.dumps(har, indent=2)


def _whole_document_lines(text: str, engine, path: str) -> list:
    ctx = Context(engine, path, "jsonl")
    site, protos, batch, at = FileSite(text), [], [], 1 if text.startswith("\ufeff") else 0
    for index, line in enumerate(text[at:].split("\n")):
        if line.strip():
            batch.extend(_record_items(line, index, ShiftSite(site, at), [], path))
        at += len(line) + 1
        if (index + 1) % RECORDS_PER_BATCH == 0:
            protos.extend(analyze(batch, ctx))
            batch = []
    protos.extend(analyze(batch, ctx))
    return finalize(protos, ctx)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_streamed_json_lines_give_the_whole_document_findings(engine, monkeypatch, newline):
    records = [json.dumps({"ts": i, "request": _entry(i)["request"], "user": {"email": f"u{i}@shop-mail.test"}},
                          ensure_ascii=False) for i in range(40)]
    text = "\ufeff" + newline.join(records[:20] + ["", "not json: ops.y@corp-mail.test"] + records[20:]) + newline
    expected = _whole_document_lines(text, engine, "app.jsonl")
    assert len(expected) > 40
    for block in (None, 61):
        if block:
            monkeypatch.setattr("leakscan.sources.jsonstream.BLOCK", block)
        result = JSON_LINES.scan(Chunk(text, Origin(kind="file", path="app.jsonl")), engine)
        assert list(result.candidates) == expected


def _large_body_har(entries: int) -> str:
    """Entries with 200 KB bodies and one email each: the file grows, the findings hardly do."""
    filler = " ".join(f"word{i}" for i in range(30_000))
    body = json.dumps({"text": filler, "contact": {"email": "owner.person@inbox-mailer.com"}})
    return json.dumps({"log": {"version": "1.2", "entries": [
        {"request": {"method": "GET", "url": f"https://shop.test/{i}"},
         "response": {"content": {"mimeType": "application/json", "text": body}}} for i in range(entries)]}},
        separators=(",", ":"))


def _scan_peak(text: str, engine) -> int:
    chunk = Chunk(text, Origin(kind="file", path="big.har"))
    tracemalloc.start()
    try:
        result = HAR.scan(chunk, engine)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(result.candidates) == 1  # one email, seen in every entry: one candidate, its other places
    return peak


def test_memory_does_not_grow_with_the_entries_read(engine):
    small, large = _large_body_har(5), _large_body_har(50)  # about 1 MB and 11 MB
    _scan_peak(small, engine)  # rules and vocabularies loaded before anything is measured
    growth = _scan_peak(large, engine) - _scan_peak(small, engine)
    # The text is the caller's; what the scan holds beyond it is an entry or two and the places found.
    assert growth < (len(large) - len(small)) / 5, growth
