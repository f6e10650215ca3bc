"""JSON documents (saved responses, request bodies) and JSON-lines logs, recognised by content.

A JSON document is scanned twice over one parse: its values as items (keys
as evidence, nested JSON followed, escaped multi-line values such as stack
traces decoded), and its text as written (rules that read several keys or
escaped forms), the two merged. OpenAPI documents are left to the spec
scanner, package manifests and tool configuration to the plain text scan.
A JSON-lines log is one record a line; pointers are `/<line index>/...`.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from itertools import islice
from typing import TYPE_CHECKING, Any

from leakscan.analyzers.capture.field_evidence import harmless_key, is_identifier_key, key_kind
from leakscan.analyzers.capture.http_evidence import clean_url
from leakscan.analyzers.capture.items import analyze
from leakscan.analyzers.capture.jsondoc import LIMITS, Doc, flatten, iter_flatten, limit_error, parse_json
from leakscan.analyzers.capture.payload import Context, Item, Placed, Proto, evidence, finalize
from leakscan.analyzers.capture.sites import EntrySite, FileSite, NoSite, ShiftSite, Site
from leakscan.analyzers.capture.vocab import vocabulary
from leakscan.analyzers.jsonspan import object_or_empty
from leakscan.analyzers.published import lower_published_contacts, published_document
from leakscan.analyzers.registry import DocumentResult, register
from leakscan.engine.matcher import MAX_MATCHES_PER_RULE
from leakscan.model import Chunk, Origin, ScanError
from leakscan.sources.decode import first_byte, is_utf16
from leakscan.sources.jsonstream import TextReader, string_blocks, text_lines
from leakscan.sources.pointer import split

if TYPE_CHECKING:
    from leakscan.engine.context import Engine

# Suffixes of files that may hold a JSON body or log; code is never claimed.
JSON_SUFFIXES = (".json", ".geojson", ".jsonl", ".ndjson", ".log", ".txt", ".out", ".body", ".resp", ".response",
                 ".har")
RECORDS_PER_BATCH = 500
ITEMS_PER_BATCH = 2000  # values of one JSON document analysed together: memory stays flat however large it is
_SPEC_HINT = re.compile(r'"(openapi|swagger)"\s*:')


def _claimable(path: str) -> bool:
    base = posixpath.basename(path)
    if base in vocabulary().json_not_claimed:
        return False
    suffix = posixpath.splitext(base)[1].lower()
    return path == "-" or suffix in JSON_SUFFIXES or suffix == ""


def _is_spec(path: str, text: str) -> bool:
    """OpenAPI and Swagger documents belong to the spec scanner."""
    if not _SPEC_HINT.search(text[:1 << 16]):
        return False
    try:
        from leakscan.sources.openapi import looks_like_spec
    except ImportError:  # pragma: no cover - the spec scanner is part of the package
        return True
    return looks_like_spec(path, text)


def _first_line(text: str) -> tuple[str, int]:
    end = text.find("\n")
    return (text, len(text)) if end < 0 else (text[:end], end)


def _is_json_lines(text: str, path: str = "") -> bool:
    first, end = _first_line(text.lstrip("\ufeff"))
    if not first.strip().startswith("{") or len(first) > 1 << 20:
        return False
    data, _ = parse_json(first)  # an integer past Python's digit limit leaves it a record all the same
    rest = text[end + 1:end + 4096].lstrip()
    # A .jsonl log of one record is still a log (its values are captured payload).
    one_record_log = not rest and path.lower().endswith((".jsonl", ".ndjson"))
    return isinstance(data, dict) and (rest[:1] == "{" or one_record_log)


class JsonLinesScanner:
    name = "jsonl"

    def accepts(self, path: str, text: str) -> bool:
        return _claimable(path) and text.lstrip("\ufeff \t\r\n")[:1] == "{" and _is_json_lines(text, path)

    def could_accept(self, path: str, data: bytes, ends: Mapping[bytes, int]) -> bool:
        return (is_utf16(data) or first_byte(data) == b"{") and _claimable(path)

    def scan(self, chunk: Chunk, engine: Engine) -> DocumentResult:
        text = chunk.text
        start = 1 if text.startswith("\ufeff") else 0
        return _scan_records(chunk.origin, TextReader(string_blocks(text, start), start), engine)

    def scan_file(self, origin: Origin, blocks: Callable[[], Iterator[str]], engine: Engine) -> DocumentResult:
        """`scan` of a large log read from its file block by block (pipeline/captures/scan.py): the same records."""
        return _scan_records(origin, TextReader(blocks()), engine)


def _scan_records(origin: Origin, reader: TextReader, engine: Engine) -> DocumentResult:
    ctx = Context(engine, origin.path, "jsonl", origin.commit, origin.blob)
    # Records are read a line at a time and their findings placed batch by batch, the records let go.
    placed = Placed(ctx)
    batch: list[Item] = []
    errors: list[ScanError] = []
    for record in text_lines(reader):
        if record.text.strip():
            site = EntrySite(record.text, record.line, record.offset - record.line_start + 1)
            batch.extend(_record_items(record.text, record.index, site, errors, ctx.path))
        if (record.index + 1) % RECORDS_PER_BATCH == 0 and batch:
            placed.add(analyze(batch, ctx))
            batch = []
    placed.add(analyze(batch, ctx))
    return DocumentResult(tuple(placed.candidates()), tuple(errors))


def _record_items(line: str, index: int, site: Site, errors: list[ScanError], path: str) -> list[Item]:
    data, error = parse_json(line)
    if error in LIMITS:
        errors.append(ScanError(path, f"line {index + 1}: {limit_error(error, data, 'line')}"))
    template = Item(value="", pointer=None, site=NoSite(), where="json", payload=True, channel="log")
    if not isinstance(data, (dict, list)):
        return [replace(template, value=line, site=site, where="text", extra=(("entry", f"line {index + 1}"),))]
    label = _record_label(data, index)
    template = replace(template, extra=(("entry", label),))
    return flatten(data, Doc(line, site, f"/{index}"), template)


def _record_label(data: Any, index: int) -> str:
    """`line 12: POST /api/login` when the record names a request."""
    if isinstance(data, dict):
        flat = {k.lower(): v for k, v in data.items() if isinstance(v, str)}
        request = object_or_empty(data.get("request"))
        flat.update({k.lower(): v for k, v in request.items() if isinstance(v, str) and k.lower() not in flat})
        method = flat.get("method") or flat.get("http_method") or flat.get("verb")
        target = flat.get("url") or flat.get("path") or flat.get("uri") or flat.get("request_uri")
        if method and target:
            return f"line {index + 1}: {method} {clean_url(target)}"
    return f"line {index + 1}"


class JsonDocumentScanner:
    name = "json"

    def accepts(self, path: str, text: str) -> bool:
        head = text[:256].lstrip("\ufeff \t\r\n")
        return head[:1] in ("{", "[") and _claimable(path) and not _is_spec(path, text)

    def could_accept(self, path: str, data: bytes, ends: Mapping[bytes, int]) -> bool:
        return (is_utf16(data) or first_byte(data) in (b"{", b"[")) and _claimable(path)

    def scan(self, chunk: Chunk, engine: Engine) -> DocumentResult:
        text = chunk.text
        data, error = parse_json(text[1:] if text.startswith("\ufeff") else text)
        said = (ScanError(chunk.origin.path, limit_error(error, data, "file")),) if error in LIMITS else ()
        if not isinstance(data, (dict, list)):
            # JSON with comments, a fragment, not JSON at all: the plain text scan does it.
            # Valid JSON past a parsing limit (depth, digits) is said so: its structure was not read.
            return DocumentResult(tuple(engine.candidates(chunk)), said)
        result = scan_json_data(chunk, engine, data, "json")
        result = DocumentResult(result.candidates, result.errors + said)  # an integer past the limit, left out
        published = published_document(chunk.origin.path, data)  # an SBOM's author emails are public on purpose
        if published:
            return DocumentResult(lower_published_contacts(result.candidates, published), result.errors)
        return result


def scan_json_data(chunk: Chunk, engine: Engine, data: Any, kind: str, payload: bool = False) -> DocumentResult:
    ctx = Context(engine, chunk.origin.path, kind, chunk.origin.commit, chunk.origin.blob)
    text = chunk.text
    doc = Doc(text, FileSite(text), offset=1 if text.startswith("\ufeff") else 0)
    template = Item(value="", pointer=None, site=NoSite(), where="json", payload=payload)
    protos: list[Proto] = []
    for batch in _batches(iter_flatten(data, doc, template), ITEMS_PER_BATCH):
        protos.extend(analyze(batch, ctx))
    protos.extend(_as_written(doc, protos, ctx))
    return DocumentResult(tuple(finalize(protos, ctx)))


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _as_written(doc: Doc, found: list[Proto], ctx: Context) -> list[Proto]:
    """Rule matches in the JSON text itself that the values did not already give."""
    seen = {(p.rule.id, p.secret) for p in found}
    text, out = doc.text, []
    # The values' own matches come again here: they do not count against the rules' cap.
    for m in ctx.engine.matcher.find(text, ctx.path, cap=MAX_MATCHES_PER_RULE + len(found)):
        if (m.rule.id, m.secret) in seen:
            continue
        pointer, _, _ = doc.spans.pointer_at(m.start)
        line_start = text.rfind("\n", 0, m.start) + 1
        line_end = text.find("\n", m.end)
        line_end = len(text) if line_end < 0 else line_end
        key = _last_key(pointer)
        item = Item(value=text[line_start:line_end], pointer=pointer, site=ShiftSite(doc.site, line_start),
                    where="json", key=key)
        proto = Proto(m.rule, m.secret, item, m.start - line_start, m.end - line_start)
        kind = key_kind(key) if key else None
        evidence([proto], item, kind.kind if kind else None, kind is None and is_identifier_key(key), harmless_key(key))
        out.append(proto)
    return out


def _last_key(pointer: str) -> str:
    tokens = [t for t in split(pointer) if not t.isdigit()]
    return tokens[-1] if tokens else ""


JSON_LINES = register(JsonLinesScanner())
JSON_DOCUMENT = register(JsonDocumentScanner())
