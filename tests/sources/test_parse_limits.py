"""Valid JSON past Python's parsing limits — an integer over 4,300 digits, 100k-deep nesting — never
fails a file: it is scanned as text, or by its structure when only an integer is past the limit (issue 13: the
integer is left out), with an `errors` entry saying why (issue 19.11)."""
from __future__ import annotations

import json

import pytest

from leakscan.pipeline.tree import scan_paths

from ..conftest import fake_github_token

HUGE = "9" * 5000
DEPTH = 100_000
TOKEN = fake_github_token(11)
NESTED = "[" * DEPTH + "]" * DEPTH


def _http(body: str) -> str:
    return f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{body}\n"


def _har(request_extra: str = "", body: str = "") -> str:
    entry = {"request": {"url": "https://api.example.test/v1/items", "headers": [
        {"name": "Authorization", "value": f"token {TOKEN}"}]},
        "response": {"content": {"mimeType": "application/json", "text": body}}}
    text = json.dumps({"log": {"version": "1.2", "entries": [entry]}})
    return text.replace('"request": {', '"request": {' + request_extra, 1) if request_extra else text


CASES = {
    # file name: (content, words the error entry must hold)
    "body.json": (f'{{"token": "{TOKEN}", "n": {HUGE}}}\n', "integer longer"),
    "deep.json": (f'[{NESTED}, "{TOKEN}"]', "nested too deep"),
    "log.jsonl": (f'{{"n": 1}}\n{{"n": {HUGE}, "token": "{TOKEN}"}}\n', "line 2: JSON holds an integer longer"),
    "deep.jsonl": (f'{{"n": 1}}\n{{"x": {NESTED}, "token": "{TOKEN}"}}\n', "line 2: JSON nested too deep"),
    "capture.har": (_har(f'"n": {HUGE}, '), "integer longer"),
    "deep.har": (_har(f'"x": {NESTED}, '), "nested too deep"),
    "body-in.har": (_har(body=f'{{"n": {HUGE}, "ok": true}}'), "/log/entries/0/response/content/text: JSON holds"),
    "dump.http": (_http(f'{{"n": {HUGE}, "token": "{TOKEN}"}}'), "body: JSON holds an integer longer"),
    "openapi.json": ((f'{{"openapi": "3.0.0", "info": {{"title": "t", "version": "1"}}, "x-n": {HUGE}, '
                      f'"x-token": "{TOKEN}", "paths": {{}}}}'), "JSON holds an integer longer"),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory, engine):
    root = tmp_path_factory.mktemp("limits")
    for name, (content, _) in CASES.items():
        (root / name).write_text(content)
    return scan_paths([str(root)], engine)


@pytest.mark.parametrize("name", sorted(CASES))
def test_file_past_a_parse_limit_is_scanned_with_an_error_entry(report, name):
    words = CASES[name][1]
    assert any(e.path == name and words in e.message for e in report.errors), [
        e for e in report.errors if e.path == name]
    assert not any(e.path == name and "scan failed" in e.message for e in report.errors)
    found = [f for f in report.findings if f.location.path == name and f.rule_id.startswith("github")]
    assert len(found) == 1 and found[0].secret == TOKEN  # still found, once


def test_every_file_was_scanned(report):
    assert report.stats.files == len(CASES)
