from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from leakscan.analyzers.registry import document_scanner_for, marker_ends, might_be_document
from leakscan.sources.decode import decode

from ..conftest import FIXTURES

# Optional public HAR exports (not in the repository), used when LEAKSCAN_HAR_SAMPLES names their folder.
HAR_SAMPLES = os.environ.get("LEAKSCAN_HAR_SAMPLES")


def _documents() -> list[Path]:
    found = sorted(p for p in FIXTURES.rglob("*") if p.is_file())
    if HAR_SAMPLES:
        found += sorted(Path(HAR_SAMPLES).glob("*.har"))[:10]
    return found


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.name)
def test_the_bytes_test_never_turns_away_a_document_a_scanner_accepts(path):
    data = path.read_bytes()
    if document_scanner_for(str(path), decode(data)[0]) is not None:
        assert might_be_document(str(path), data)


@pytest.mark.parametrize("path, data", [
    ("app/models/user.rb", b"class User < ApplicationRecord\n  has_secure_password\nend\n"),
    ("lib/tasks/notes.txt", b"Deploy with care.\n"),
    ("src/index.js", b"[1, 2, 3].map(x => x)\n"),  # a list start, but not a file JSON is claimed in
])
def test_plain_text_is_not_a_document(path, data):
    assert not might_be_document(path, data)


@pytest.mark.parametrize("path, data", [
    ("docs/api.yaml", b"info:\n  title: x\nopenapi: 3.0.3\n"),
    ("notes", b"GET /v1/users HTTP/1.1\nHost: api.example.com\n"),
    ("capture.json", b'\xef\xbb\xbf  \n{"log": {"entries": []}}'),
    ("dump.json", "[{\"a\": 1}]".encode("utf-16")),  # UTF-16: the bytes cannot be read, so maybe
])
def test_documents_are_let_through(path, data):
    assert might_be_document(path, data)


def test_a_status_line_past_the_head_is_not_an_http_dump():
    data = b"x\n" * 40000 + b"HTTP/1.1 200 OK\n"
    assert marker_ends(data)[b"HTTP/"] == 80000 + len(b"HTTP/")
    assert not might_be_document("notes", data)
    assert might_be_document("notes", codecs.BOM_UTF16_LE + data)
