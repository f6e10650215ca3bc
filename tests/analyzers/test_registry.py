from __future__ import annotations

import codecs
import os
import random
from pathlib import Path

import pytest

from leakscan.analyzers.registry import document_scanner_for, marker_ends, might_be_document
from leakscan.sources.decode import decode, first_byte

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


# ---- issue 20.3: plain text is told apart without importing the document scanners ---------------

def test_the_declared_builtin_gate_covers_every_builtin_scanner():
    from leakscan.analyzers.registry import BUILTIN_FIRST_BYTES, BUILTIN_MARKERS, _builtin_could_claim, registered

    for scanner in registered():
        assert set(getattr(scanner, "markers", ())) <= set(BUILTIN_MARKERS), scanner.name
    samples = [b"", b"x = 1\n", b"  # note\nHTTP is a protocol\n", b"<xml/>", b"\xef\xbb\xbf key: value\n",
               b"openap1: 3\n", b"version: 2\n" * 50, bytes(range(1, 120))]
    for data in samples:
        ends = marker_ends(data)
        if not _builtin_could_claim(data, ends):  # the gate says plain text: so must every scanner
            assert first_byte(data) not in BUILTIN_FIRST_BYTES
            for scanner in registered():
                could_accept = getattr(scanner, "could_accept", None)
                assert could_accept is not None and not could_accept("a/b.json", data, ends), (scanner.name, data)


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.name)
def test_the_declared_builtin_gate_lets_through_every_document_a_scanner_accepts(path):
    from leakscan.analyzers.registry import _builtin_could_claim

    data = path.read_bytes()
    if document_scanner_for(str(path), decode(data)[0]) is not None:
        assert _builtin_could_claim(data, marker_ends(data))


# ---- issue 20.4: one text test before the scanners are asked ------------------------------------

_SCANNER_PATHS = ("a/b.json", "capture.har", "notes", "api.yaml", "log.txt", "-", "x.py")


def _generated_texts() -> list[str]:
    """Texts of every start and with and without each marker, below and above SMALL_TEXT."""
    from leakscan.engine.literals import SMALL_TEXT

    rng = random.Random(3)
    starts = ["", " ", "\ufeff", "\ufeff \n\t", "\r\n", "\u3000", "x", "#", "<", "- ", "\n" * 300]
    bodies = ['{"log": {"entries": []}}', '[{"a": 1}]', '{"a": 1}\n{"b": 2}\n', "openapi: 3.0.3\ninfo: {}\n",
              '{"openapi": "3.1.0", "paths": {}}', "swagger: '2.0'\n", "GET /v1 HTTP/1.1\nHost: a\n\n",
              "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{}", "> GET / HTTP/2\n< HTTP/2 200\n",
              "x = 1\n", "Openapi: 3.0.0\n", "http/1.1 200 ok\n", "swag: ger\n", "plain words\n"]
    texts = []
    for _ in range(400):
        body = "".join(rng.choice(bodies) for _ in range(rng.randint(1, 3)))
        filler = "" if rng.random() < 0.5 else "y = 2  # filler\n" * (SMALL_TEXT // 16 + 1)
        texts.append(rng.choice(starts) + (filler + body if rng.random() < 0.5 else body + filler))
    return texts


def test_the_text_gate_turns_away_only_texts_no_builtin_scanner_accepts():
    from leakscan.analyzers.registry import could_be_builtin_document, registered

    texts = _generated_texts() + [decode(p.read_bytes())[0] for p in _documents()]
    turned_away = 0
    for text in texts:
        if could_be_builtin_document(text):
            continue
        turned_away += 1
        for scanner in registered():
            for path in _SCANNER_PATHS:
                assert not scanner.accepts(path, text), (scanner.name, path, text[:80])
    assert turned_away >= 100  # and the gate does turn texts away, small and large ones


def test_a_caller_that_checked_the_bytes_gets_the_same_scanner_without_the_text_gate():
    """History passes might_be=True after might_be_document() said yes: the scanners alone decide."""
    texts = _generated_texts() + [decode(p.read_bytes())[0] for p in _documents()]
    claimed = 0
    for text in texts:
        for path in _SCANNER_PATHS:
            scanner = document_scanner_for(path, text)
            assert document_scanner_for(path, text, might_be=True) is scanner, (path, text[:80])
            claimed += scanner is not None
    assert claimed >= 100


def test_plain_text_is_told_apart_without_asking_the_scanners(monkeypatch):
    from leakscan.analyzers.registry import registered
    from leakscan.engine.literals import SMALL_TEXT

    asked = []
    for scanner in registered():
        monkeypatch.setattr(scanner, "accepts", lambda path, text, name=scanner.name: asked.append(name) or False)
    for text in ("x = 1\n", "x = 1\n" * SMALL_TEXT):
        assert document_scanner_for("notes.json", text) is None
    assert asked == []
    for text in ("[1]", "x = 1\n" * SMALL_TEXT + "HTTP/1.1 200 OK\n"):  # these may be documents: all are asked
        assert document_scanner_for("notes.json", text) is None
    assert len(asked) == 2 * len(registered())


def test_another_scanner_turns_the_text_gate_off(monkeypatch):
    from leakscan.analyzers import registry

    class Everything:
        name = "everything"

        def accepts(self, path: str, text: str) -> bool:
            return True

    registry.registered()
    monkeypatch.setattr(registry, "_SCANNERS", list(registry._SCANNERS))
    monkeypatch.setattr(registry, "_ONLY_BUILTIN", registry._ONLY_BUILTIN)
    assert document_scanner_for("x.py", "x = 1\n") is None
    registry.register(Everything())
    assert document_scanner_for("x.py", "x = 1\n").name == "everything"


def test_the_text_markers_are_the_bytes_markers():
    from leakscan.analyzers.registry import BUILTIN_MARKERS
    from leakscan.engine.literals import DOCUMENT_MARKERS

    assert tuple(m.encode() for m in DOCUMENT_MARKERS) == BUILTIN_MARKERS


def test_plain_text_is_told_apart_without_importing_the_scanners():
    import subprocess
    import sys

    from ..markdown_blocks import ROOT

    code = ("import sys\n"
            "from leakscan.analyzers.registry import BUILTIN_SCANNER_MODULES, document_scanner_for\n"
            "assert document_scanner_for('app.py', 'x = 1\\n' * 2000) is None\n"
            "assert not any(m in sys.modules for m in BUILTIN_SCANNER_MODULES)\n"
            "assert document_scanner_for('a.json', '{\"a\": 1}') is not None\n"
            "assert all(m in sys.modules for m in BUILTIN_SCANNER_MODULES)\n")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_plain_bytes_are_told_apart_without_asking_the_scanners(monkeypatch):
    from leakscan.analyzers.registry import registered

    asked = []
    for scanner in registered():
        monkeypatch.setattr(scanner, "could_accept", lambda path, data, ends, name=scanner.name: asked.append(name))
    assert not might_be_document("app/models/user.rb", b"class User\nend\n")
    assert asked == []
    assert not might_be_document("notes", b"[1, 2] looks like JSON\n")  # the gate lets it by: all are asked
    assert len(asked) == len(registered())
