"""OpenAPI 3.x and Swagger 2.0 documents: recognition, loading, positions and `$ref`s.

A document is recognised by content (a top-level `openapi:` or `swagger:` key
with a version), whatever the file is called. JSON is parsed with the C
decoder and located lazily in its text; YAML is composed safely with alias
expansion bounded (see yaml_safe). `$ref`s resolve inside the document and to
relative files next to it; chains that loop are reported, never followed
forever. A relative file `$ref` is read only when it stays inside the scanned
root (the spec's own directory when the spec was named alone) and is a regular
file within the size limit: `../../../etc/passwd` or a link to `/dev/zero`
becomes an error entry, never a read.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from leakscan.sources.decode import decode, is_binary
from leakscan.sources.files import read_regular
from leakscan.sources.lenient_json import LONG_INTEGER, loads_lenient
from leakscan.sources.pointer import join, split
from leakscan.sources.positions import JsonPositions, Positions, YamlPositions
from leakscan.sources.yaml_safe import YamlLoadError, compose, to_data

HEAD = 64 * 1024  # recognition looks this far into files that are not .json/.yaml
MAX_PROBES = 64
MAX_REF_HOPS = 64
MAX_REF_FILES = 64
YAML_FALLBACK_LIMIT = 2 * 1024 * 1024  # JSON-looking text that fails JSON is retried as YAML up to this size
STRUCTURED_SUFFIXES = (".json", ".yaml", ".yml")
_YAML_KEY = re.compile(r"""["']?(openapi|swagger)["']?[ \t]*:[ \t]*["']?(3\.\d|2\.0)""")
_JSON_KEY = re.compile(r'"(openapi|swagger)"\s*:\s*"(3\.\d|2\.0)')


class SpecLoadError(ValueError):
    """The document cannot be parsed; the message says why and where."""


def looks_like_spec(path: str, text: str) -> bool:
    """A top-level `openapi: 3.x` / `swagger: "2.0"` key, in YAML or JSON."""
    structured = path.lower().endswith(STRUCTURED_SUFFIXES) or text.lstrip()[:1] == "{"
    scope = text if structured else text[:HEAD]
    for word in ("openapi", "swagger"):
        start, probes = 0, 0
        while probes < MAX_PROBES:
            i = scope.find(word, start)
            if i < 0:
                break
            if _probe(scope, i):
                return True
            start, probes = i + 1, probes + 1
    return False


def _probe(text: str, i: int) -> bool:
    line_start = text.rfind("\n", 0, i) + 1
    if i - line_start <= 1 and _YAML_KEY.match(text, line_start):
        return True  # a key at column 0: top level in YAML
    return i > 0 and text[i - 1] == '"' and _JSON_KEY.match(text, i - 1) is not None


@dataclass(eq=False)  # documents compare by identity: never deep-compare a 20 MB tree
class SpecDocument:
    path: str  # as reports show it
    data: Any
    positions: Positions
    syntax: str  # json | yaml
    fs_path: str | None = None  # where it lives on disk, for relative file refs
    text: str = field(default="", repr=False)
    fs_root: str | None = None  # relative file refs must stay inside it (default: fs_path's directory)
    notes: tuple[str, ...] = ()  # what loading left out (an integer past Python's digit limit), for `errors`

    @property
    def version(self) -> str:
        """"2.0", "3.0", "3.1", or "" when the document does not say."""
        if not isinstance(self.data, dict):
            return ""
        if str(self.data.get("swagger", "")).startswith("2"):
            return "2.0"
        found = re.match(r"3\.\d+", str(self.data.get("openapi", "")))
        return found.group(0) if found else ""

    def get(self, pointer: str) -> Any:
        """The value at `pointer`; KeyError when there is none."""
        node = self.data
        for token in split(pointer):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise KeyError(pointer)
        return node


def load_document(text: str, path: str, fs_path: str | None = None, fs_root: str | None = None) -> SpecDocument:
    """Parse JSON or YAML; SpecLoadError when it is neither."""
    doc = _load_document(text, path, fs_path)
    doc.fs_root = fs_root
    return doc


def _load_document(text: str, path: str, fs_path: str | None) -> SpecDocument:
    if text.lstrip()[:1] in ("{", "["):
        try:
            data, long_integer = loads_lenient(text)  # an integer past Python's digit limit: a placeholder
            notes = (f"{LONG_INTEGER}; that integer was left out and the rest read as a spec",) if long_integer else ()
            return SpecDocument(path, data, JsonPositions(text), "json", fs_path, text, notes=notes)
        except RecursionError as exc:
            raise SpecLoadError("JSON nested too deep") from exc
        except json.JSONDecodeError as exc:
            if len(text) > YAML_FALLBACK_LIMIT:
                raise SpecLoadError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
            json_error = exc
        try:
            return _load_yaml(text, path, fs_path)
        except SpecLoadError:
            raise SpecLoadError(
                f"invalid JSON at line {json_error.lineno} column {json_error.colno}: {json_error.msg}") from json_error
    return _load_yaml(text, path, fs_path)


def _load_yaml(text: str, path: str, fs_path: str | None) -> SpecDocument:
    try:
        root = compose(text)
        data = to_data(root) if root is not None else None
    except YamlLoadError as exc:
        raise SpecLoadError(str(exc)) from exc
    positions: Positions = YamlPositions(root, text) if root is not None else _Nowhere()
    return SpecDocument(path, data, positions, "yaml", fs_path, text)


class _Nowhere:
    """Positions of an empty document."""

    def locate(self, pointer: str) -> None:
        return None

    def line_text(self, line: int) -> str:
        return ""


# ---- $ref resolution ------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Node:
    """A value and where it is: the document and the pointer inside it.

    Nodes are equal when they are the same place, whatever their values."""

    doc: SpecDocument
    pointer: str
    value: Any

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and other.doc is self.doc and other.pointer == self.pointer

    def __hash__(self) -> int:
        return hash((id(self.doc), self.pointer))

    def child(self, *tokens: str | int) -> Node | None:
        value = self.value
        for token in tokens:
            present = (isinstance(value, dict) and token in value
                       or isinstance(value, list) and isinstance(token, int) and 0 <= token < len(value))
            if not present:
                return None
            value = value[token]
        return Node(self.doc, join(self.pointer, *tokens), value)

    @property
    def key(self) -> tuple[str, str]:
        return self.doc.path, self.pointer


@dataclass
class RefResolver:
    """Follows `$ref`s from a root document; loads relative files on demand."""

    root: SpecDocument
    max_file_size: int = 25 * 1024 * 1024
    errors: list[str] = field(default_factory=list)
    _files: dict[str, SpecDocument | None] = field(default_factory=dict)
    _targets: dict[tuple[int, str], Node | None] = field(default_factory=dict)  # (document, $ref) → target
    _reported: set[str] = field(default_factory=set)

    def resolve(self, node: Node) -> Node | None:
        """The node itself, or what its `$ref` chain ends at; None when unresolvable."""
        seen: list[tuple[str, str]] = []
        while isinstance(node.value, dict) and isinstance(node.value.get("$ref"), str):
            if node.key in seen:
                self._error(f"$ref cycle: {self._describe_cycle(seen[seen.index(node.key):])}")
                return None
            if len(seen) >= MAX_REF_HOPS:
                self._error(f"$ref chain longer than {MAX_REF_HOPS} at {node.pointer}")
                return None
            seen.append(node.key)
            target = self._target(node)
            if target is None:
                return None
            node = target
        return node

    def _describe_cycle(self, cycle: list[tuple[str, str]]) -> str:
        start = cycle.index(min(cycle))  # the same cycle reads the same from any entry point
        ordered = cycle[start:] + cycle[:start]
        return " → ".join(f"{p}#{q}" if p != self.root.path else f"#{q}" for p, q in ordered + ordered[:1])

    def _target(self, node: Node) -> Node | None:
        key = (id(node.doc), node.value["$ref"])
        if key not in self._targets:  # big specs refer to the same schema thousands of times
            self._targets[key] = self._find_target(node)
        return self._targets[key]

    def _find_target(self, node: Node) -> Node | None:
        ref = node.value["$ref"]
        file_part, _, fragment = ref.partition("#")
        doc = node.doc
        if file_part:
            if "://" in file_part or file_part.startswith(("/", "\\")):
                return None  # remote or absolute refs are never fetched
            loaded = self._load(doc, file_part, node.pointer)
            if loaded is None:
                return None
            doc = loaded
        pointer = unquote(fragment)
        if pointer and not pointer.startswith("/"):
            return None  # a named anchor (3.1 $anchor): not followed
        try:
            return Node(doc, pointer, doc.get(pointer))
        except (KeyError, ValueError):
            where = f" in {node.doc.path}" if node.doc is not self.root else ""
            self._error(f"unresolved $ref {ref!r} at {node.pointer}{where}")
            return None

    def _load(self, doc: SpecDocument, relative: str, where: str) -> SpecDocument | None:
        if doc.fs_path is None:
            return None  # stdin, git blobs: nothing on disk to resolve against
        fs_path = os.path.normpath(os.path.join(os.path.dirname(doc.fs_path), unquote(relative)))
        real = os.path.realpath(fs_path)
        if real in self._files:
            return self._files[real]
        if os.path.realpath(doc.fs_path) == real:
            return doc
        if not _inside(real, self._boundary):
            self._error(f"$ref file {relative!r} (at {where}) is outside the scanned directory: not read")
            self._files[real] = None
            return None
        display = posixpath.normpath(posixpath.join(posixpath.dirname(doc.path), unquote(relative)))
        loaded = None
        if len(self._files) >= MAX_REF_FILES:
            self._error(f"more than {MAX_REF_FILES} referenced files; {relative!r} not loaded")
        else:
            loaded = self._read(real, fs_path, display, relative, where)
        if loaded is not None:
            loaded.fs_root = self._boundary
        self._files[real] = loaded
        return loaded

    @property
    def _boundary(self) -> str:
        root = self.root.fs_root or os.path.dirname(self.root.fs_path or "") or "."
        return os.path.realpath(root)

    def _read(self, real: str, fs_path: str, display: str, relative: str, where: str) -> SpecDocument | None:
        # Only regular files, never more than the size limit: a FIFO or /dev/zero is refused unread.
        data = read_regular(real, self.max_file_size)
        if isinstance(data, int):
            self._error(f"referenced file {relative!r} is over the size limit")
            return None
        if isinstance(data, OSError):
            self._error(f"cannot read $ref file {relative!r} (at {where}): {data.strerror or data}")
            return None
        if is_binary(data):
            self._error(f"$ref file {relative!r} is binary")
            return None
        try:
            return load_document(decode(data)[0], display, fs_path)
        except SpecLoadError as exc:
            self._error(f"$ref file {relative!r}: {exc}")
            return None

    def _error(self, message: str) -> None:
        if message not in self._reported:
            self._reported.add(message)
            self.errors.append(message)

    @property
    def documents(self) -> list[SpecDocument]:
        return [self.root] + [d for d in self._files.values() if d is not None]


def _inside(path: str, directory: str) -> bool:
    """`path` (resolved) is `directory` or below it."""
    return os.path.commonpath([path, directory]) == directory
