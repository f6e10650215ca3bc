from __future__ import annotations

import base64
import hashlib
import random
import re
import string

import pytest

from leakscan.engine import literals
from leakscan.engine.literals import (
    BASE64_START,
    DOCUMENT_MARKERS,
    ESCAPED_VALUE,
    JSON_ESCAPES,
    RULE_FILE_MARKERS,
    SMALL_TEXT,
    LiteralFinder,
    TextMarks,
    text_marks,
)
from leakscan.engine.prefilter import HAVE_HYPERSCAN
from leakscan.sources.encodings import _VALUE, decode_value

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


def _long_text(rng: random.Random) -> str:
    """Above SMALL_TEXT, so the Hyperscan pass answers: assignments of every shape, non-ASCII around."""
    pieces = ["x", " ", "\n", "=", ":", " = ", '"', "'", "é", "ü€", "\u3000", "%41", "\\u0041", "\\/", "id:",
              "[[rules]]", "YWJjZGVmZ2hpamtsbW5vcA==", "abcdefghijklmnop", "some_long_identifier", "(", ";",
              "YWJjZGVmZ2hpams=", "a.b", "%", "\\", "openap", "i", "swagger", "HTTP/"]
    return "".join(rng.choice(pieces) for _ in range(SMALL_TEXT // 2))


def test_text_marks_agree_with_substring_tests_and_cover_every_value_start():
    rng = random.Random(11)
    for _ in range(40):
        text = _long_text(rng)
        assert len(text) >= SMALL_TEXT
        marks = text_marks(text)
        assert marks.json_escapes == any(e in text for e in JSON_ESCAPES)
        assert marks.rule_file_markers == any(m in text for m in RULE_FILE_MARKERS)
        assert marks.document_markers == (any(m in text for m in DOCUMENT_MARKERS) or not HAVE_HYPERSCAN)
        if HAVE_HYPERSCAN:
            assert marks.base64_starts is not None and marks.escaped_lines is not None
            for match in _VALUE.finditer(text):
                if (found := decode_value(match.group(1))) is None:
                    continue
                if found[0] == "base64":
                    assert match.start() in marks.base64_starts
                else:  # on the line of an escaped-value mark
                    assert any(text.count("\n", at, match.start()) == text.count("\n", match.start(), at) == 0
                               for at in marks.escaped_lines)


def test_literals_occurring_in_a_text_are_those_of_its_own_utf8():
    """`occurring` reads the text's UTF-8, or the bytes it was decoded from when they are the same."""
    finder = LiteralFinder([b"id:", b"[[rules]]", b"caf\xc3\xa9:"])
    for text in ("plain words", "x id: 1", "é [[rules]] café:", "[[rules]]" + "é" * 5000 + "id:"):
        expected = sorted(m.encode() for m in ("id:", "[[rules]]", "café:") if m in text)
        assert sorted(finder.occurring(text)) == expected, text[:40]
        assert sorted(finder.occurring(text, text.encode("utf-8"))) == expected, text[:40]
        assert sorted(finder.occurring(text, text.encode("utf-16"))) == expected, text[:40]


def test_text_marks_see_what_is_not_there():
    text = "plain words and numbers 12345\n" * 400
    none = () if HAVE_HYPERSCAN else None
    assert text_marks(text) == TextMarks(False, False, none, none, not HAVE_HYPERSCAN)
    assert text_marks(text + "\\/").json_escapes and text_marks(text + "- id: x").rule_file_markers
    for marker in DOCUMENT_MARKERS:
        assert text_marks(text + marker).document_markers


def _marks_as_written(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Base64 starts and escaped-value offsets as BASE64_START and ESCAPED_VALUE give them, by Python's re:
    every start where the first matches; the last character of every match of the second (any start)."""
    base64, assigned = re.compile(BASE64_START.decode()), re.compile(ESCAPED_VALUE.decode() + r"\Z")
    escape = re.compile(r"(?:%|\\[ux])[0-9A-Fa-f]{2}")
    starts = tuple(i for i in range(len(text)) if base64.match(text, i))
    ends = set()
    for i in range(len(text)):
        if (m := escape.match(text, i)) is not None:
            line = text[:m.end()].rsplit("\n", 1)[-1]
            if assigned.search(line):
                ends.add(m.end() - 1)
    return starts, tuple(sorted(ends))


@pytest.mark.skipif(not HAVE_HYPERSCAN, reason="hyperscan not installed")
def test_marks_are_where_the_patterns_as_written_match():
    """The database holds cheaper forms of the two patterns; the offsets are those the patterns give."""
    rng = random.Random(5)
    pieces = ["x", " ", "\t", "\n", "=", ":", '"', "'", "é", "€", "%41", "%4", "\\u0041", "\\x4a", "\\u", "%",
              "YWJjZGVmZ2hpamtsbW5vcA==", "abcdefghijklmnop", "a.b", "==", "-_", "+/", "= '"]
    for _ in range(30):
        text = "".join(rng.choice(pieces) for _ in range(SMALL_TEXT // 3))
        marks = text_marks(text)
        assert (marks.base64_starts, marks.escaped_lines) == _marks_as_written(text)


def _text_samples(rng: random.Random) -> list[str]:
    """Texts as base64 may hold them: ASCII with tabs and line breaks, accents, CJK, emoji."""
    alphabet = string.printable.replace("\x0b", "").replace("\x0c", "") + "éüñ€中文😀"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(12, 40))) for _ in range(4000)]


def test_the_gate_quantum_accepts_every_start_of_encoded_text():
    """The first four characters of base64 (and base64url) of any printable text match the gate's
    class pattern: it may not refuse a value that decodes."""
    quantum = re.compile(literals._text_quantum((0, 0, 0), 4))
    for text in _text_samples(random.Random(5)):
        raw = text.encode("utf-8")
        for encoded in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
            assert quantum.fullmatch(encoded[:4]), text


def test_what_the_gate_quantum_refuses_never_decodes():
    """A value whose first four characters the class pattern refuses is no text: decode_value says
    None whatever follows, and the pattern refuses most random starts (what makes the gate cheap)."""
    rng = random.Random(9)
    quantum = re.compile(literals._text_quantum((0, 0, 0), 4))
    alphabet = string.ascii_letters + string.digits + "+/"
    refused = 0
    for _ in range(20000):
        start = "".join(rng.choice(alphabet) for _ in range(4))
        if quantum.fullmatch(start):
            continue
        refused += 1
        tail = base64.b64encode(b"plain printable text").decode()
        assert decode_value(start + tail) is None, start
    assert refused > 15000


def test_the_gate_digest_names_its_patterns():
    """GATE_DIGEST keys the gate database's cache in place of its patterns (made on a miss only):
    a change to them must change it."""
    base64_start, escaped = literals.gate_patterns()
    assert hashlib.sha256(base64_start + b"\n" + escaped).hexdigest()[:12] == literals.GATE_DIGEST


@pytest.mark.skipif(not HAVE_HYPERSCAN, reason="hyperscan not installed")
def test_the_gate_escape_pattern_finds_every_escaped_value_long_enough_to_decode():
    """Where `_VALUE` takes a value with an escape in it (16 characters or more), the gate's escape
    pattern matches on that line; a short escaped value (an entity table's `'\\u2248'`) is not asked."""
    import hyperscan

    _, escaped = literals.gate_patterns()
    db = hyperscan.Database()
    db.compile(expressions=[escaped], ids=[0], elements=1, flags=[0])
    rng = random.Random(3)
    pieces = ["%41", "\\u0041", "\\x41", "abc", "Z9", "-", "_", "/", "+", "=", ":"]
    shortest = [escape + "a" * (16 - len(escape)) for escape in ("%41", "\\u0041", "\\x41")]  # first, 16 long
    for index in range(3000):
        value = shortest[index] if index < len(shortest) else \
            "".join(rng.choice(pieces) for _ in range(rng.randint(1, 9)))
        key, sign = rng.choice(["k", "key.name", "0x1f"]), rng.choice(["=", ": ", ":", " = "])
        quote, after = rng.choice(["", '"', "'"]), rng.choice(["", '"', ",", " # note"])
        line = key + sign + quote + value + after
        ends: list[int] = []
        db.scan(line.encode(), match_event_handler=lambda i, s, end, f, c, ends=ends: ends.append(end))
        wanted = [m for m in _VALUE.finditer(line) if re.search(r"%[0-9A-Fa-f]{2}|\\[ux][0-9A-Fa-f]{2}", m.group(1))]
        assert bool(ends) >= bool(wanted), line
    short = b"    'thksim;': '\\u223c',\n    'THORN': '\\xde',"
    db.scan(short, match_event_handler=lambda *a: pytest.fail("a short escaped value was asked"))
