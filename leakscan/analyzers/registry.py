"""Document scanners claim a chunk by content and return candidates for it.

A scanner that claims a chunk replaces the plain text scan for it, so a HAR
or an OpenAPI document is scanned once, with pointers, not twice. Scanners
register here; `document_scanner_for` asks them in registration order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Protocol

from leakscan.model import Candidate, Chunk, ScanError

if TYPE_CHECKING:
    from leakscan.engine.context import Engine


@dataclass(frozen=True)
class DocumentResult:
    candidates: tuple[Candidate, ...]
    errors: tuple[ScanError, ...] = ()


class DocumentScanner(Protocol):
    name: str

    def accepts(self, path: str, text: str) -> bool:
        """Cheap test on the path and the start of the text."""

    def scan(self, chunk: Chunk, engine: "Engine") -> DocumentResult:
        """Parse the document and return candidates; a broken document gives an error."""


_SCANNERS: list[DocumentScanner] = []


def register(scanner: DocumentScanner) -> DocumentScanner:
    if all(s.name != scanner.name for s in _SCANNERS):
        _SCANNERS.append(scanner)
    return scanner


def registered() -> tuple[DocumentScanner, ...]:
    _load_builtin()
    return tuple(_SCANNERS)


def document_scanner_for(path: str, text: str) -> Optional[DocumentScanner]:
    for scanner in registered():
        if scanner.accepts(path, text):
            return scanner
    return None


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
    "leakscan.analyzers.spec",
    "leakscan.sources.har",
    "leakscan.sources.http_dump",
    "leakscan.sources.jsonbody",
)


def example_confidence(rule, text: str, engine: "Engine") -> float:
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
