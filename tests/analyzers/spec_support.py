"""Helpers for the OpenAPI scanner tests: scan a spec given as text."""
from __future__ import annotations

import textwrap

from leakscan.analyzers.spec.scanner import scan_spec
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Finding, Origin, ScanError
from leakscan.pipeline.findings import findings_from


def scan(engine: Engine, text: str, path: str = "openapi.yaml", *, forced: bool = False,
         fs_path: str | None = None, min_confidence: float | None = None) -> tuple[list[Finding], list[ScanError]]:
    chunk = Chunk(textwrap.dedent(text), Origin(kind="file", path=path, fs_path=fs_path))
    result = scan_spec(chunk, engine, forced)
    config = engine.config if min_confidence is None else Config(jobs=1, min_confidence=min_confidence)
    return findings_from(result.candidates, config), list(result.errors)


def findings(engine: Engine, text: str, **kw) -> list[Finding]:
    found, errors = scan(engine, text, **kw)
    assert not errors, errors
    return found


def of(found: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in found if f.rule_id == rule_id]


def pointers(found: list[Finding], rule_id: str | None = None) -> set[str | None]:
    return {f.location.pointer for f in found if rule_id is None or f.rule_id == rule_id}
