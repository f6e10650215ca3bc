"""Document scanners claim a chunk by content and return candidates for it.

A scanner that claims a chunk replaces the plain text scan for it, so a HAR
or an OpenAPI document is scanned once, with pointers, not twice. Scanners
register here; `document_scanner_for` asks them in registration order.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from leakscan.engine.literals import DOCUMENT_MARKERS, SMALL_TEXT, LiteralFinder, text_marks
from leakscan.model import Candidate, Chunk, Rule, ScanError
from leakscan.sources.decode import first_byte, is_utf16

if TYPE_CHECKING:
    from leakscan.engine.context import Engine


@dataclass(frozen=True)
class DocumentResult:
    """What a document scanner found in one text: candidates and errors."""

    candidates: tuple[Candidate, ...]
    errors: tuple[ScanError, ...] = ()


class DocumentScanner(Protocol):
    name: str

    def accepts(self, path: str, text: str) -> bool:
        """Cheap test on the path and the start of the text."""

    def scan(self, chunk: Chunk, engine: Engine) -> DocumentResult:
        """Parse the document and return candidates; a broken document gives an error."""

    # Optional: `could_accept(path, data: bytes, ends: Mapping[bytes, int]) -> bool`, a test
    # on the raw bytes that is False only when `accepts` would be False for any decoding of
    # them, and `markers: tuple[bytes, ...]`, literals whose first end offsets in `data` it
    # is given in `ends`. History scans use them to leave most blobs undecoded.


_SCANNERS: list[DocumentScanner] = []
_ONLY_BUILTIN = True  # every registered scanner is a built-in one: the text gate below holds for all


def register(scanner: DocumentScanner, *, replacing: bool = False) -> DocumentScanner:
    """Add a scanner; a name already taken keeps its scanner unless `replacing` (a scanner that
    wraps another under its name takes its place, whichever module was imported first)."""
    global _ONLY_BUILTIN
    for i, other in enumerate(_SCANNERS):
        if other.name == scanner.name:
            if replacing:
                _SCANNERS[i] = scanner
            break
    else:
        _SCANNERS.append(scanner)
    _ONLY_BUILTIN = all(type(s).__module__ in BUILTIN_SCANNER_MODULES for s in _SCANNERS)
    return scanner


def registered() -> tuple[DocumentScanner, ...]:
    _load_builtin()
    return tuple(_SCANNERS)


def document_scanner_for(path: str, text: str, might_be: bool = False) -> DocumentScanner | None:
    """The scanner that claims `text`, if any. `might_be`: the caller knows that might_be_document()
    said yes to its bytes (a history's blob), so the text is not searched for markers again."""
    if _ONLY_BUILTIN and not might_be and not could_be_builtin_document(text):
        return None  # most files of a tree: one test, not one per scanner (nor their imports)
    for scanner in registered():
        if scanner.accepts(path, text):
            return scanner
    return None


def marker_ends(data: bytes) -> dict[bytes, int]:
    """Where each scanner's marker literals first end in `data` (those that occur)."""
    return _marker_finder().first_ends(data)


def might_be_document(path: str, data: bytes, ends: Mapping[bytes, int] | None = None) -> bool:
    """False when no scanner would accept `data` however it decodes: the blob is plain text.
    `ends` is marker_ends(data) when the caller knows it already."""
    ends = marker_ends(data) if ends is None else ends
    if _ONLY_BUILTIN and not _builtin_could_claim(data, ends):
        # Plain text, known without importing the scanners (a pre-commit hook's start-up) or asking
        # each of them (they would each test the bytes for UTF-16 again: a history scan's blobs).
        return False
    for scanner in registered():
        could_accept = getattr(scanner, "could_accept", None)
        if could_accept is None or could_accept(path, data, ends):
            return True
    return False


_MARKERS: LiteralFinder | None = None


def _marker_finder() -> LiteralFinder:
    """One search for every scanner's marker literals (the built-in ones without importing them)."""
    global _MARKERS
    if _MARKERS is None:
        extra = [m for s in _SCANNERS for m in getattr(s, "markers", ()) if m not in BUILTIN_MARKERS]
        _MARKERS = LiteralFinder([*BUILTIN_MARKERS, *extra])
    return _MARKERS


# What a built-in scanner's `could_accept` can be True on at all, declared here so that most
# blobs are known to be plain text without importing the scanners: UTF-16, a first significant
# byte below, or one of the markers. tests/analyzers/test_registry.py checks the scanners against it.
BUILTIN_MARKERS: tuple[bytes, ...] = tuple(m.encode() for m in DOCUMENT_MARKERS)  # openapi, swagger, HTTP/
BUILTIN_FIRST_BYTES: tuple[bytes, ...] = (b"{", b"[")


# The text forms of the gate above, for `accepts`: JSON scanners need `{` or `[` first (after a BOM
# and blanks), the others one of DOCUMENT_MARKERS.
_JSON_START = re.compile(r"[\ufeff \t\r\n]*[\[{]")


def could_be_builtin_document(text: str) -> bool:
    """False when no built-in scanner's `accepts` can be True for `text`, whatever its path. A large
    text's markers come from the marks pass that later stages share (engine/literals.py)."""
    if _JSON_START.match(text):
        return True
    if len(text) < SMALL_TEXT:
        return any(marker in text for marker in DOCUMENT_MARKERS)
    return text_marks(text).document_markers


def _builtin_could_claim(data: bytes, ends: Mapping[bytes, int]) -> bool:
    return is_utf16(data) or first_byte(data) in BUILTIN_FIRST_BYTES or any(m in ends for m in BUILTIN_MARKERS)


_LOADED = False


def _load_builtin() -> None:
    """Import the built-in document scanners once (they call `register`)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib

    for module in BUILTIN_SCANNER_MODULES:
        importlib.import_module(module)


# Modules whose import registers a document scanner, in priority order.
# One entry per line.
BUILTIN_SCANNER_MODULES: tuple[str, ...] = (
    "leakscan.analyzers.spec.scanner",
    "leakscan.analyzers.traffic.scanner",  # the HAR scanner with exposure checks, under the name "har"
    "leakscan.analyzers.capture.har",
    "leakscan.analyzers.capture.http_dump",
    "leakscan.analyzers.capture.jsonbody",
)


def example_confidence(rule: Rule, text: str, engine: Engine) -> float:
    """Best confidence at which an analyzer rule reports something in an example document."""
    from leakscan.model import Origin
    from leakscan.scoring import score

    path = rule.example_path or "example.json"
    chunk = Chunk(text, Origin(kind="example", path=path))
    scanner = document_scanner_for(path, text)
    if scanner is None:
        return 0.0
    result = scanner.scan(chunk, engine)
    return max((score(c).confidence for c in result.candidates if c.rule.id == rule.id), default=0.0)
