"""The OpenAPI / Swagger document scanner.

Claims any text with a top-level `openapi: 3.x` or `swagger: "2.0"` key, in
YAML or JSON, whatever the file is called. Structural findings come from the
detectors — spec_surface (url-token), spec_exposure, spec_pii — as analyzer
rules of patterns/spec.yaml; every string value also goes through the rule engine
(secrets, stack traces, ...). A document that does not parse becomes an
`errors` entry and is still scanned as text.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from leakscan.analyzers.registry import DocumentResult, register, registered
from leakscan.analyzers.spec import exposure as spec_exposure
from leakscan.analyzers.spec import pii as spec_pii
from leakscan.analyzers.spec import surface as spec_surface
from leakscan.analyzers.spec import values as spec_values
from leakscan.analyzers.spec.context import SpecContext
from leakscan.model import Candidate, Chunk, ScanError
from leakscan.sources.decode import is_utf16
from leakscan.sources.openapi import (
    STRUCTURED_SUFFIXES,
    RefResolver,
    SpecDocument,
    SpecLoadError,
    load_document,
    looks_like_spec,
)

if TYPE_CHECKING:
    from leakscan.engine.context import Engine

NAME = "openapi"
Detector = Callable[[SpecContext], list[Candidate]]
DETECTORS: tuple[Detector, ...] = (spec_surface.detect, spec_exposure.detect, spec_pii.detect, spec_values.detect)


class OpenApiScanner:
    name = NAME

    def accepts(self, path: str, text: str) -> bool:
        return looks_like_spec(path, text)

    markers = (b"openapi", b"swagger")

    def could_accept(self, path: str, data: bytes, ends: Mapping[bytes, int]) -> bool:
        return is_utf16(data) or any(marker in ends for marker in self.markers)

    def scan(self, chunk: Chunk, engine: Engine) -> DocumentResult:
        return scan_spec(chunk, engine)


def _not_a_spec(chunk: Chunk, engine: Engine, errors: tuple[ScanError, ...] = ()) -> DocumentResult:
    """The text only looked like a spec (an `openapi` key nested in a HAR, say): the
    next scanner that wants it gets it, else the plain text scan."""
    for scanner in registered():
        if scanner.name != NAME and scanner.accepts(chunk.origin.path, chunk.text):
            result = scanner.scan(chunk, engine)
            return DocumentResult(result.candidates, errors + result.errors)
    return DocumentResult(tuple(engine.candidates(chunk)), errors)


def scan_spec(chunk: Chunk, engine: Engine, forced: bool = False) -> DocumentResult:
    """Findings and errors for one document. `forced` (the `spec` command) takes
    any JSON or YAML mapping as a spec and says so when it cannot be one."""
    origin = chunk.origin
    try:
        doc = load_document(chunk.text, origin.path, origin.fs_path, origin.fs_root)
    except SpecLoadError as exc:
        claimed = forced or origin.path.lower().endswith(STRUCTURED_SUFFIXES) or chunk.text.lstrip()[:1] == "{"
        unparsed = (ScanError(origin.path, f"OpenAPI document not parsed: {exc}"),) if claimed else ()
        return _not_a_spec(chunk, engine, unparsed)
    version = doc.version or (_guess_version(doc) if forced else "")
    if not version:  # "openapi" was nested somewhere: an ordinary file after all
        not_a_spec = (ScanError(origin.path, "not an OpenAPI or Swagger document"),) if forced else ()
        return _not_a_spec(chunk, engine, not_a_spec)
    refs = RefResolver(doc, engine.config.max_file_size)
    ctx = SpecContext(doc, refs, engine, replace(origin, kind="spec"), version)  # kind: remedies fit a spec
    candidates: list[Candidate] = []
    errors = [ScanError(origin.path, note) for note in doc.notes]  # an integer past Python's digit limit, left out
    for detector in DETECTORS:
        name = detector.__module__.rsplit(".", 1)[-1]
        try:
            candidates.extend(detector(ctx))
        except RecursionError:
            errors.append(ScanError(origin.path, f"{name}: schemas nested too deep"))
        except Exception as exc:  # one detector's bug costs its own findings, not the others'
            errors.append(ScanError(origin.path, f"{name} failed: {type(exc).__name__}: {exc}"))
    errors.extend(ScanError(origin.path, message) for message in refs.errors)
    return DocumentResult(tuple(candidates), tuple(errors))


def _guess_version(doc: SpecDocument) -> str:
    """A forced document without a version key: 2.0 if it looks like Swagger, 3.0 if like
    OpenAPI 3, "" when it has none of a spec's top-level keys."""
    data = doc.data
    if not isinstance(data, dict):
        return ""
    if "definitions" in data or "securityDefinitions" in data:
        return "2.0"
    return "3.0" if {"paths", "components", "webhooks"} & set(data) else ""


register(OpenApiScanner())
