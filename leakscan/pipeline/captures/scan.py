"""Large captures scanned from their file block by block: the text is never held whole.

A HAR of a hundred megabytes read whole was the largest thing a scan held
(its text, and its bytes while they were decoded). A file over STREAM_FROM
bytes that is plain UTF-8 (the text read_file would decode, character for
character) and that the HAR or the JSON-lines scanner claims by its start is
handed to the scanner's `scan_file` instead, which reads it block by block as many
times as it needs; the findings are those of the text read whole, at the
same lines and columns. What `scan_file` cannot read that way (a spec
comparison, a broken HAR) it declines, and the file is read whole as before.
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from typing import Protocol

from leakscan.analyzers.registry import DocumentResult, document_scanner_for
from leakscan.analyzers.rule_files import MAX_RULE_FILE_BYTES
from leakscan.engine.context import Engine
from leakscan.masking.sanitize import Sanitizer, sanitize_error
from leakscan.model import Finding, Origin, ScanError
from leakscan.pipeline.findings import document_findings, report_order
from leakscan.sources.files import FileRef
from leakscan.sources.jsonstream import BLOCK, file_blocks, plain_utf8_length
from leakscan.store.records import FindingSpill

STREAM_FROM = 1 << 22  # bytes: a smaller capture is read whole (the tree pipeline's document threshold)
# Words that make the OpenAPI scanner read a whole text rather than its start: such a file is read whole.
OPENAPI_WORDS = (b"openapi", b"swagger")
HEAD_SLACK = 1 << 13  # characters of a file's start read past BLOCK to decide which scanner claims it

Scanned = tuple[Collection[Finding], list[ScanError], int]  # findings, errors, bytes


class FileScanner(Protocol):
    name: str

    def scan_file(self, origin: Origin, blocks: Callable[[], Iterator[str]],
                  engine: Engine) -> DocumentResult | None: ...


def scan_capture_file(ref: FileRef, engine: Engine, tally: Counter[str] | None = None,
                      min_size: int | None = None, spill_from: int | None = None) -> Scanned | None:
    """A large capture's findings, errors and size, read block by block; None when it is to be read
    otherwise (smaller than `min_size` bytes, STREAM_FROM by default; found by a walk and over the size
    limit; not plain UTF-8; a word the OpenAPI scanner reads a whole text for; a rule pack it could be; no
    scanner that reads files claiming its start; or the scanner declining it). A file named on the
    command line is streamed whatever its size: read this way its memory does not grow with it, and the
    caller reads one over WHOLE_FILE_LIMIT as plain text in windows only when it is declined here.
    With `spill_from`, the findings are a `FindingSpill` that holds that many at most (a capture's
    hundred thousand need not be held; they come back equal), which the caller closes or adds to its own."""
    try:
        size = os.stat(ref.path).st_size
    except OSError:
        return None  # read_file reports it
    limit = None if ref.explicit else engine.config.max_file_size
    if size < (STREAM_FROM if min_size is None else min_size) or (limit is not None and size > limit):
        return None
    scanner = file_scanner(ref)  # its start first: a large file of another kind is not read to its end here
    if scanner is None:
        return None
    length = plain_utf8_length(ref.path, OPENAPI_WORDS)
    if length is None or (length <= MAX_RULE_FILE_BYTES and not engine.config.scan_rule_packs):
        return None  # a text rule_files could call a rule pack is read whole, and asked
    origin = Origin(kind="file", path=ref.display, fs_path=ref.path, fs_root=ref.root or None)
    engine.matcher.start_file(ref.display)  # a fresh time budget for backtracking rules

    def blocks() -> Iterator[str]:
        return file_blocks(ref.path)

    spill = None if spill_from is None else FindingSpill(report_order, spill_from)
    try:
        result = scanner.scan_file(origin, blocks, engine)
        if result is None:
            engine.matcher.take_errors()  # the scan read whole gets its own
            return None
        found, errors = iter(result.candidates), [*result.errors, *engine.matcher.take_errors()]
        del result  # the iterator alone holds the candidates: each goes as its finding is made
        findings, errors = document_findings(found, errors, engine, tally, spill)
    except Exception as exc:  # one bad file never stops a scan (as pipeline/tree.py says it)
        if spill is not None:
            spill.close()  # what it found before the failure is not reported, as when findings are held
        error = ScanError(ref.display, f"scan failed: {type(exc).__name__}: {exc}")
        return [], [sanitize_error(error, Sanitizer(engine))], size
    return findings if spill is None else spill, errors, size


def _head(path: str, length: int) -> str:
    """The first `length` characters of a text file (all of it if shorter), newlines as written."""
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read(length)


def file_scanner(ref: FileRef) -> FileScanner | None:
    """The document scanner that claims the file's start, if it can read a file block by block. The
    scanners' tests read no further into a text than the start given them: the HAR scanner its first
    BLOCK characters, the JSON-lines scanner its first line (up to BLOCK) and 4 KiB after it."""
    if ref.display.lower().endswith(".ipynb"):
        return None  # a notebook's cells are scanned apart (pipeline/archives.py)
    try:
        head = _head(ref.path, BLOCK + HEAD_SLACK)
    except (OSError, UnicodeDecodeError):  # not UTF-8 (or unreadable: read_file says so)
        return None
    scanner = document_scanner_for(ref.display, head)
    return scanner if scanner is not None and hasattr(scanner, "scan_file") else None  # type: ignore[return-value]
