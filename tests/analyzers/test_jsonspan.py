from __future__ import annotations

import json

from leakscan.analyzers.jsonspan import JsonSpans

DOC = json.dumps({"a": [1, {"b": "x\"y", "c/d": {"e": None}}], "f": "last"}, indent=2)


def test_value_span_by_pointer_tokens():
    spans = JsonSpans(DOC)
    start, end = spans.value_span(["a", "1", "b"])
    assert json.loads(DOC[start:end]) == 'x"y'
    start, end = spans.value_span(["a", "1", "c/d", "e"])
    assert DOC[start:end] == "null"
    assert spans.value_span(["missing"]) is None and spans.value_span(["a", "9"]) is None


def test_pointer_at_offset_is_the_innermost_value():
    spans = JsonSpans(DOC)
    assert spans.pointer_at(DOC.index("last") + 1)[0] == "/f"
    assert spans.pointer_at(DOC.index('x\\"y'))[0] == "/a/1/b"
    assert spans.pointer_at(DOC.index("null"))[0] == "/a/1/c~1d/e"
    assert spans.pointer_at(DOC.index('"f"'))[0] == ""  # a key belongs to its container


def test_truncated_document_still_locates_complete_values():
    text = '{"log": {"entries": [{"u": "one"}, {"u": "tw'
    spans = JsonSpans(text)
    start, end = spans.value_span(["log", "entries", "0", "u"])
    assert text[start:end] == '"one"'
    assert spans.value_span(["log", "entries", "1"])[1] == len(text)


def test_a_key_the_json_scanner_rejects_ends_the_container_instead_of_raising() -> None:
    text = '{"a": 1, "b\x01c": 2, "d": 3}'
    spans = JsonSpans(text)
    assert spans.value_span(["a"]) == (6, 7)
    assert spans.value_span(["d"]) is None
