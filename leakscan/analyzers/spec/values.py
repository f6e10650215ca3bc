"""Every string in a spec through the rule engine, and credentials inside URLs.

Each string value (examples, defaults, enums, x-* extensions, server URLs and
variables, descriptions...), each path template and each YAML comment line
becomes a chunk `"<name>: <value>"` whose origin carries the value's pointer
and its line and column, so rules that want a key name nearby (`password:`)
see one and context words count. To keep a 20 MB spec fast, all values are
first matched once as one text; only values with a match are scanned alone.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import Any

from leakscan.analyzers.spec.context import SpecContext
from leakscan.analyzers.spec.urls import URL_PATTERNS, example_url, url_credentials
from leakscan.analyzers.spec.walk import media, member
from leakscan.model import Adjustment, Candidate, Chunk
from leakscan.sources.openapi import SpecDocument
from leakscan.sources.pointer import escape, split
from leakscan.sources.positions import Lines

MIN_LENGTH = 8  # no credential format is shorter
IN_ERROR_EXAMPLE = 0.05
PII_EXAMPLE = -0.25  # a keyed date of birth (0.70) in an example drops below the threshold
# Keys whose values are named after their parent: the `example` of property
# `api_key` is scanned as `api_key: <value>`.
# Values that are structure, never data: references, identifiers, type names.
NOT_SCANNED = frozenset({"$ref", "operationId", "type", "format", "$schema", "$id", "in", "style"})
INHERIT_LABEL = frozenset({"example", "examples", "x-example", "x-examples", "default", "enum", "const", "value",
                           "items", "schema", "content", "allOf", "oneOf", "anyOf", "additionalProperties"})


# (parent place, key): a pointer built only for the few values that match. The key is
# whatever the document used (a string, or an index, or a YAML number key).
Place = tuple["Place", Any] | None


@dataclass(frozen=True)
class Entry:
    doc: SpecDocument
    place: Place  # None for a YAML comment line
    label: str
    text: str
    line: int = 0  # known up front for comments; values are located only when matched
    column: int = 0

    @property
    def prefix(self) -> str:
        return f"{self.label}: " if self.label else ""

    @property
    def pointer(self) -> str | None:
        if self.place is None:
            return None
        tokens: list[str] = []
        place: Place = self.place
        while place is not None:
            place, key = place
            tokens.append(_token(key))
        return "".join("/" + t for t in reversed(tokens))


def detect(ctx: SpecContext) -> list[Candidate]:
    entries = list(string_entries(ctx.doc))
    if not entries:
        return []
    hit = _matched_entries(ctx, entries)
    error_examples = _error_examples(ctx)
    found: list[Candidate] = []
    for index in sorted(hit):
        found.extend(_scan_entry(ctx, entries[index], error_examples))
    return found


# ---- collecting the strings -------------------------------------------------------

def string_entries(doc: SpecDocument) -> Iterator[Entry]:
    yield from _values(doc)
    paths = doc.data.get("paths") if isinstance(doc.data, dict) else None
    for path in paths if isinstance(paths, dict) else ():
        if len(path) >= MIN_LENGTH:
            yield Entry(doc, ((None, "paths"), path), "path", str(path))
    if doc.syntax == "yaml" and "#" in doc.text:
        yield from _comments(doc)


def _values(doc: SpecDocument) -> Iterator[Entry]:
    # The hot loop on big specs: strings are handled where they are met, never pushed,
    # and pointers are not built (a place is a (parent, key) pair).
    stack: list[tuple[Any, Place, str]] = [(doc.data, None, "")]
    seen: set[int] = set()  # a YAML alias shares its object: scan it once
    inherit = INHERIT_LABEL
    while stack:
        value, place, label = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            name = value.get("name")
            own = name if isinstance(name, str) and "in" in value else label  # a parameter names its values
            pairs: Iterable[tuple[Any, Any]] = value.items()
        else:
            own, pairs = label, enumerate(value)
        nested = []
        for key, child in pairs:
            kind = type(child)
            if kind is str:
                if len(child) >= MIN_LENGTH and key not in NOT_SCANNED:
                    yield Entry(doc, (place, key), own if key.__class__ is int or key in inherit or "/" in key else key,
                                child)
            elif kind is dict or kind is list:
                nested.append((child, (place, key),
                               own if key.__class__ is int or key in inherit or "/" in key else key))
        stack.extend(reversed(nested))  # document order: a shared anchor is reported where it is defined


def _token(key: str | int) -> str:
    if isinstance(key, int):
        return str(key)
    return key if "~" not in key and "/" not in key else escape(key)


_COMMENT = re.compile(r"^[ \t]*#[^\n]*", re.M)


def _comments(doc: SpecDocument) -> Iterator[Entry]:
    """Full-line YAML comments: not values, but a key pasted there leaks all the same."""
    lines = Lines(doc.text)
    for match in _COMMENT.finditer(doc.text):
        if len(match.group()) >= MIN_LENGTH:
            yield Entry(doc, None, "", match.group(), *lines.line_col(match.start()))


# ---- matching ---------------------------------------------------------------------

def _matched_entries(ctx: SpecContext, entries: list[Entry]) -> set[int]:
    """Indexes of entries any rule or URL check matches, from one pass over all of them."""
    pieces = [f"{e.label}: {e.text}" if e.label else e.text for e in entries]
    starts = list(accumulate((len(p) + 1 for p in pieces), initial=0))
    joined = "\n".join(pieces)

    def owner(position: int) -> int:
        return bisect.bisect_right(starts, position) - 1

    hit: set[int] = set()
    for match in ctx.engine.matcher.find(joined, ctx.doc.path):
        hit.update((owner(match.start), owner(max(match.start, match.end - 1))))
    for pattern in URL_PATTERNS:
        for url_match in pattern.finditer(joined):
            hit.add(owner(url_match.start()))
    return hit


def _scan_entry(ctx: SpecContext, entry: Entry, error_examples: dict[tuple[str, str], str]) -> list[Candidate]:
    line, column, pointer = entry.line, entry.column, entry.pointer
    if pointer is not None:
        pos = entry.doc.positions.locate(pointer)
        if pos is None:
            return []
        line, column = (pos.line, pos.column) if entry.label == "path" else (pos.value_line, pos.value_column)
        if entry.label == "path" and entry.doc.positions.line_text(line)[column - 1:column] in ("'", '"'):
            column += 1
    prefix = entry.prefix
    origin = ctx.origin_at(entry.doc, pointer or "", line - 1, column - 1 - len(prefix))
    if pointer is None:
        origin = replace(origin, pointer=None)
    chunk = Chunk(prefix + entry.text, origin)
    found = ctx.engine.candidates(chunk) + url_credentials(ctx, chunk)
    kept = []
    for cand in found:
        if cand.line == line and cand.column < column:
            continue  # matched the name we put in front, not the value
        if cand.rule.category == "url-token":
            cand = example_url(cand, chunk.text)
        if entry.doc.syntax == "json" and cand.end_line > line:
            cand = _on_one_line(cand, line, column)  # an escaped JSON string is one line in the file
        kept.append(_with_context(cand, error_examples))
    return kept


def _on_one_line(cand: Candidate, line: int, column: int) -> Candidate:
    start = cand.column if cand.line == line else column
    return replace(cand, line=line, end_line=line, column=start, end_column=start + len(cand.secret))


# ---- stack traces in error responses ------------------------------------------------

def _error_examples(ctx: SpecContext) -> dict[tuple[str, str], str]:
    """(document, pointer) of each error response's examples and schema → "500 response of GET /x"."""
    places: dict[tuple[str, str], str] = {}
    for response in ctx.responses:
        if not response.is_error:
            continue
        places.setdefault(response.node.key, response.label)
        for entry in media(response, ctx.version):
            for key in ("example", "examples", "schema"):
                node = entry.child(key)
                if node is None:
                    continue
                places.setdefault(node.key, response.label)
                resolved = ctx.refs.resolve(node)
                if resolved is not None:
                    places.setdefault(resolved.key, response.label)
                if key == "examples" and isinstance(node.value, dict):
                    for name in node.value:  # 3.x named examples may each be a $ref
                        target = ctx.refs.resolve(member(node, name))
                        if target is not None:
                            places.setdefault(target.key, response.label)
    return places


def _with_context(cand: Candidate, places: dict[tuple[str, str], str]) -> Candidate:
    """Evidence from where in the spec a rule matched: example personal data, error-response traces."""
    if cand.rule.category == "pii":
        # A spec's example personal data is illustration; the schema findings say what the API returns.
        return replace(cand, adjustments=cand.adjustments + (Adjustment("example value in an API spec", PII_EXAMPLE),))
    if cand.rule.category != "stacktrace" or cand.origin.pointer is None:
        return cand
    tokens = split(cand.origin.pointer)
    for size in range(len(tokens), -1, -1):
        label = places.get((cand.origin.path, "".join("/" + escape(t) for t in tokens[:size])))
        if label:
            reason = Adjustment(f"in the {label}", IN_ERROR_EXAMPLE)
            return replace(cand, adjustments=cand.adjustments + (reason,))
    return cand
