from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from leakscan.analyzers.jsonspan import LITERAL_SEARCH_CHARS, JsonSpans

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


def _string_pointers(value: object, tokens: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_pointers(v, (*tokens, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_pointers(v, (*tokens, str(i)))]
    return [(tokens, value)] if isinstance(value, str) else []


_TEXT = st.text(alphabet=st.sampled_from('ab@é"\\/:,{} \n1e'), max_size=6)
_JSON = st.recursive(st.none() | st.integers(-5, 5) | _TEXT,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                     max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(document=_JSON, indent=st.sampled_from([None, 2]), ascii_only=st.booleans(), nest=st.booleans())
def test_a_string_found_by_its_literal_is_where_the_walk_finds_it(document: object, indent: int | None,
                                                                  ascii_only: bool, nest: bool) -> None:
    # Keys equal to values, values written twice, a document logged as a string inside another: the
    # literal is taken only when it cannot be anything else, so it never disagrees with the walk.
    if nest:
        document = {"log": json.dumps(document), "data": document}
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    spans = JsonSpans(text)
    for tokens, value in _string_pointers(document):
        found = spans.literal_span(value)
        assert found is None or found == spans.value_span(list(tokens))


def test_literal_span_declines_what_only_the_walk_can_place() -> None:
    text = json.dumps({"x@y.example": "x@y.example", "a": "one@two.example", "b": ["one@two.example"],
                       "c": 'say "solo@three.example"', "d": "solo@three.example"})
    spans = JsonSpans(text)
    assert spans.literal_span("one@two.example") is None  # written twice
    # Quoted inside another string, the literal ends in an escaped quote: only the value is found.
    assert spans.literal_span("solo@three.example") == spans.value_span(["d"])
    # Punctuation between two strings reads as a literal too: a value with nothing in it that only a
    # string can hold is walked to (here the one plain `", "` closes "a" and opens "b").
    punctuation = '["a", "b", "\\u002c "]'
    assert json.loads(punctuation)[2] == ", "
    assert JsonSpans(punctuation).literal_span(", ") is None
    assert spans.literal_span("x@y.example") is None  # a key spelled alike: two literals
    assert spans.literal_span("nowhere@four.example") is None
    # The one plain literal opens with an escaped quote (the value itself is written \u-escaped).
    escaped = '{"c": "say \\"solo@three.example", "d": "solo\\u0040three.example"}'
    assert json.loads(escaped)["d"] == "solo@three.example"
    assert JsonSpans(escaped).literal_span("solo@three.example") is None
    keyed = '{"x@y.example": "x\\u0040y.example"}'  # the one plain literal is a key
    assert JsonSpans(keyed).literal_span("x@y.example") is None
    long_text = json.dumps({"pad": "p" * LITERAL_SEARCH_CHARS, "v": "found@five.example"})
    assert JsonSpans(long_text).literal_span("found@five.example") is None  # walked instead: no search per value
