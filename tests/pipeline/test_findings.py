"""scan_chunk's early exit: a chunk without candidates costs nothing more and changes nothing."""
from __future__ import annotations

import base64
from collections import Counter

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin, ScanError
from leakscan.pipeline.findings import document_findings, findings_from, scan_chunk

from ..conftest import fake_github_token


def _chunk(path: str, text: str) -> Chunk:
    return Chunk(text, Origin(kind="file", path=path))


def test_a_chunk_without_candidates_gives_no_finding_and_no_error(engine: Engine) -> None:
    tally: Counter[str] = Counter()
    findings, errors = scan_chunk(_chunk("plain.py", "def add(a, b):\n    return a + b\n"), engine, tally=tally)
    assert findings == [] and errors == [] and not tally


def test_a_chunk_with_candidates_still_gives_its_finding(engine: Engine) -> None:
    token = fake_github_token(7)
    findings, errors = scan_chunk(_chunk("settings.py", f"TOKEN = '{token}'\n"), engine)
    assert [(f.location.path, f.location.line) for f in findings] == [("settings.py", 1)]
    assert "github" in findings[0].rule_id and token not in findings[0].masked and errors == []


def test_a_value_found_only_once_decoded_is_not_lost_to_the_early_exit(engine: Engine) -> None:
    encoded = base64.b64encode(f"token={fake_github_token(8)}".encode()).decode()
    chunk = _chunk("blob.txt", f"payload: {encoded}\n")
    assert engine.candidates(chunk) == []  # nothing in the plain text: only the decoded value holds it
    findings, _ = scan_chunk(chunk, engine)
    assert [f.location.path for f in findings] == ["blob.txt"] and "github" in findings[0].rule_id
    findings, _ = scan_chunk(chunk, Engine.build(Config(decode=False)))
    assert findings == []


def test_no_candidates_give_no_findings_and_document_errors_are_kept(engine: Engine) -> None:
    assert findings_from([], engine.config, engine) == []
    findings, errors = document_findings([], [ScanError("api.json", "not JSON at line 3")], engine)
    assert findings == [] and [e.message for e in errors] == ["not JSON at line 3"]
