"""An integer past Python's 4,300-digit limit costs a JSON document nothing but itself: the document is parsed, the
integer kept as a placeholder (never converted), the rest scanned by its structure, and `errors` says so (issue 13)."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.sources.lenient_json import LongInteger, loads_lenient, raw_decode_lenient, skipping_decoder

from ..conftest import fake_github_token

LIMIT = sys.get_int_max_str_digits() or 4300
HUGE = "7" * (LIMIT + 700)
EMAIL = "ana.kowalska@corpmail.net"  # a person's address: found only under a key, so only when the JSON parses


def test_an_integer_past_the_limit_is_a_placeholder_and_the_rest_is_parsed() -> None:
    data, long_integer = loads_lenient(f'{{"n": {HUGE}, "neg": -{HUGE}, "small": 12, "email": "{EMAIL}"}}')
    assert long_integer
    assert data == {"n": LongInteger(len(HUGE)), "neg": LongInteger(len(HUGE)), "small": 12, "email": EMAIL}
    assert str(data["n"]) == f"<integer of {len(HUGE)} digits>"  # never the digits themselves


def test_a_document_within_the_limit_is_json_loads_own() -> None:
    text = '{"a": [1, 2.5, -3, true, null, "x"], "b": ' + "9" * LIMIT + "}"
    assert loads_lenient(text) == (json.loads(text), False)


@pytest.mark.parametrize("text", ['{"a": 1,}', "[1, 2", '{"n": ' + HUGE + ", }"])
def test_invalid_json_still_raises_json_s_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        loads_lenient(text)


def test_nesting_past_the_recursion_limit_still_raises() -> None:
    with pytest.raises(RecursionError):
        loads_lenient("[" * 100_000 + "]" * 100_000)


def test_hostile_integers_cost_linear_time() -> None:
    # int() of a 1,000,000-digit string takes seconds (its cost grows with the square of the length); a placeholder
    # costs what reading the text costs.
    text = "[" + ",".join(["8" * 1_000_000] * 5) + "]"
    started = time.perf_counter()
    data, long_integer = loads_lenient(text)
    assert long_integer and data == [LongInteger(1_000_000)] * 5
    assert time.perf_counter() - started < 2.0


def test_raw_decode_reads_one_value_of_a_longer_text() -> None:
    text = f'[{{"n": {HUGE}, "k": "v"}}, {{"n": 2}}]'
    value, end = raw_decode_lenient(text, 1)
    assert value == {"n": LongInteger(len(HUGE)), "k": "v"} and text[end:end + 2] == ", "
    assert raw_decode_lenient(text, end + 2) == ({"n": 2}, len(text) - 1)


def test_the_skipping_decoder_finds_ends_past_long_integers() -> None:
    text = f'{{"a": [{HUGE}, {{"b": {HUGE}}}], "c": 1}}'
    assert skipping_decoder().raw_decode(text, 6)[1] == text.index(', "c"')


# ---- every scanner that parses JSON ------------------------------------------------------------------------------

def _har(request_extra: str, body: str) -> str:
    entry = {"request": {"method": "POST", "url": "https://api.example.org/v1/profile", "headers": []},
             "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": body}}}
    text = json.dumps({"log": {"version": "1.2", "entries": [entry]}})
    return text.replace('"method": "POST"', f'{request_extra}"method": "POST"', 1)


FILES = {
    # name: (content, the error entry's words, the email's pointer: only a parsed document gives one)
    "profile.json": (f'{{"user": {{"id": {HUGE}, "email": "{EMAIL}"}}}}\n', "the rest of the file scanned",
                     "/user/email"),
    "audit.jsonl": (f'{{"n": 1, "msg": "ok"}}\n{{"seq": {HUGE}, "actor": "{EMAIL}"}}\n',
                    "line 2: JSON holds an integer longer", "/1/actor"),
    "reply.http": (f'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{{"owner": "{EMAIL}", "n": {HUGE}}}\n',
                   "body: JSON holds an integer longer", "#/owner"),
    "body.har": (_har("", json.dumps({"owner": EMAIL}).replace("}", f', "n": {HUGE}}}')),
                 "/log/entries/0/response/content/text: JSON holds an integer longer",
                 "/log/entries/0/response/content/text#/owner"),
    "entry.har": (_har(f'"n": {HUGE}, ', json.dumps({"owner": EMAIL})), "the rest of the file scanned",
                  "/log/entries/0/response/content/text#/owner"),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("long-integers")
    for name, (content, _, _) in FILES.items():
        (root / name).write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json", "--no-progress"])
    assert result.exit_code in (0, 1), result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


@pytest.mark.parametrize("name", sorted(FILES))
def test_an_email_beside_a_long_integer_is_found_under_its_key(report: dict[str, Any], name: str) -> None:
    emails = [f for f in report["findings"] if f["location"]["path"] == name and f["rule_id"] == "pii.email"]
    assert len(emails) == 1, [f["rule_id"] for f in report["findings"] if f["location"]["path"] == name]
    assert emails[0]["location"]["pointer"] == FILES[name][2]
    assert EMAIL not in json.dumps(report)  # masked in the report, as every finding


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_long_integer_is_said_in_errors(report: dict[str, Any], name: str) -> None:
    words = FILES[name][1]
    messages = [e["message"] for e in report["errors"] if e["path"] == name]
    assert any(words in m and "left out" in m for m in messages), messages
    assert not any("scanned as text" in m or "not a complete HAR" in m for m in messages), messages


def test_a_spec_with_a_long_integer_is_read_as_a_spec(tmp_path: Path) -> None:
    token = fake_github_token(23)
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "x-max": "N",
            "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "query", "name": "api_key"}}},
            "paths": {"/items": {"get": {"parameters": [{"name": "api_key", "in": "query", "example": token}],
                                         "responses": {"200": {"description": "ok"}}}}}}
    (tmp_path / "openapi.json").write_text(json.dumps(spec).replace('"N"', HUGE), encoding="utf-8")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json", "--no-progress"])
    report = json.loads(result.output)
    assert [e["message"] for e in report["errors"]] == [
        "JSON holds an integer longer than Python's limit of digits; that integer was left out and the rest read as a "
        "spec"]
    found = [f for f in report["findings"] if f["location"]["path"] == "openapi.json"]
    assert any(f["location"]["pointer"] == "/paths/~1items/get/parameters/0/example" for f in found), found


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_masked_copy_loses_the_email_and_keeps_the_integer(tmp_path: Path, name: str) -> None:
    source, masked = tmp_path / name, tmp_path / f"masked-{name}"
    source.write_text(FILES[name][0], encoding="utf-8")
    result = CliRunner().invoke(cli, ["mask", str(source), "-o", str(masked)])
    assert result.exit_code == 0, result.output
    text = masked.read_text(encoding="utf-8")
    assert EMAIL not in text and HUGE in text
    if name.endswith((".json", ".har")):
        assert loads_lenient(text)[0]  # still a JSON document
