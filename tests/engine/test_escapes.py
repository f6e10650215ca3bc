"""JSON escapes in plain text: decoded for matching, reported at the written place."""
from __future__ import annotations

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.engine.escapes import decode_json_escapes
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk


def test_decoded_spans_map_back_to_the_written_text() -> None:
    written = 'a = 1\n{"k": "ab\\u0063d\\/e"}\n'
    decoded = decode_json_escapes(written)
    assert decoded is not None
    assert decoded.text == '{"k": "abcd/e"}\n'
    start, end = decoded.span(decoded.text.index("ab"), decoded.text.index('e"') + 1)
    assert written[start:end] == "ab\\u0063d\\/e"


def test_text_without_escapes_is_not_decoded() -> None:
    assert decode_json_escapes('{"k": "plain"}\n') is None
    assert decode_json_escapes('path = "C:\\\\new"\n') is None


def test_an_escaped_credential_in_a_json_file_scanned_as_text_is_found_whole() -> None:
    password = "Kq7" + "wm58Tz/pX2vR"  # built here, never a literal credential
    escaped = password.replace("/", "\\/")[:-1] + f"\\u{ord(password[-1]):04x}"
    text = '{\n  "service": {\n    "db_password": "' + escaped + '"\n  }\n}\n'
    engine = Engine.build(Config())
    # settings.json is not claimed by the JSON document scanner: the text path decodes it.
    findings, _ = scan_chunk(Chunk(text, Origin(kind="file", path="settings.json")), engine)
    hits = [f for f in findings if f.secret == password]
    assert hits, [f.rule_id for f in findings]
    assert hits[0].location.line == 3
    assert hits[0].location.column == text.splitlines()[2].index(escaped) + 1
