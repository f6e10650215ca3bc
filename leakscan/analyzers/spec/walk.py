"""The parts of an OpenAPI 3.x / Swagger 2.0 document the detectors look at.

Everything is yielded as resolved `Node`s (value + document + pointer), so a
detector reports the place a value is written, even when it was reached
through `$ref`s into another part of the file or another file.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from leakscan.sources.openapi import Node, RefResolver, SpecDocument

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    node: Node  # the operation object
    path_item: Node

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def operation_id(self) -> str:
        value = self.node.value.get("operationId")
        return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Response:
    operation: Operation
    code: str
    node: Node  # the resolved response object

    @property
    def is_error(self) -> bool:
        return is_error_code(self.code)

    @property
    def label(self) -> str:
        return f"{self.code} response of {self.operation.label}"


def is_error_code(code: str) -> bool:
    code = code.strip().upper()
    return code == "DEFAULT" or code[:1] in ("4", "5")


def member(node: Node, *tokens: str | int) -> Node:
    """The child at `tokens` of a container the caller is walking by its own keys or indexes,
    so it is there; a KeyError says a caller asked for one that is not."""
    child = node.child(*tokens)
    if child is None:
        raise KeyError(f"{node.pointer} has no member {tokens!r}")
    return child


def root(doc: SpecDocument) -> Node:
    return Node(doc, "", doc.data)


def operations(doc: SpecDocument, refs: RefResolver) -> Iterator[Operation]:
    paths = root(doc).child("paths")
    if paths is None or not isinstance(paths.value, dict):
        return
    for path in list(paths.value):
        item = refs.resolve(member(paths, path))
        if item is None or not isinstance(item.value, dict):
            continue
        for method in HTTP_METHODS:
            op = item.child(method)
            if op is not None and isinstance(op.value, dict):
                yield Operation(method, str(path), op, item)


def responses(op: Operation, refs: RefResolver) -> Iterator[Response]:
    table = op.node.child("responses")
    if table is None or not isinstance(table.value, dict):
        return
    for code in list(table.value):
        if str(code).startswith("x-"):
            continue
        resolved = refs.resolve(member(table, code))
        if resolved is not None and isinstance(resolved.value, dict):
            yield Response(op, str(code), resolved)


def media(response: Response, version: str) -> Iterator[Node]:
    """The 3.x media type objects of a response; for 2.0 the response itself."""
    if version.startswith("2"):
        yield response.node
        return
    content = response.node.child("content")
    if content is not None and isinstance(content.value, dict):
        for media_type in content.value:
            entry = content.child(media_type)
            if entry is not None and isinstance(entry.value, dict):
                yield entry


def response_schemas(response: Response, version: str) -> Iterator[Node]:
    for entry in media(response, version):
        schema = entry.child("schema")
        if schema is not None:
            yield schema


def parameters(op: Operation, refs: RefResolver) -> Iterator[Node]:
    """Path-item and operation parameters, resolved (an operation's own wins by name and place)."""
    seen: set[tuple[str, str]] = set()
    for owner in (op.node, op.path_item):
        listed = owner.child("parameters")
        if listed is None or not isinstance(listed.value, list):
            continue
        for index in range(len(listed.value)):
            param = refs.resolve(member(listed, index))
            if param is None or not isinstance(param.value, dict):
                continue
            ident = (str(param.value.get("name", "")), str(param.value.get("in", "")))
            if ident not in seen:
                seen.add(ident)
                yield param


def security_schemes(doc: SpecDocument, refs: RefResolver, version: str) -> Iterator[tuple[str, Node]]:
    table = root(doc).child("securityDefinitions") if version.startswith("2") else \
        root(doc).child("components", "securitySchemes")
    if table is None or not isinstance(table.value, dict):
        return
    for name in list(table.value):
        scheme = table.child(name)
        resolved = refs.resolve(scheme) if scheme is not None else None
        if resolved is not None and isinstance(resolved.value, dict):
            yield str(name), resolved


def server_urls(doc: SpecDocument, refs: RefResolver, version: str) -> Iterator[Node]:
    """3.x server objects' `url` nodes: top level, path items and operations."""
    if version.startswith("2"):
        return
    owners: list[Node | None] = [root(doc)]
    for op in operations(doc, refs):
        owners.extend((op.path_item, op.node))
    seen: set[tuple[str, str]] = set()
    for owner in owners:
        servers = owner.child("servers") if owner else None
        if servers is None or not isinstance(servers.value, list):
            continue
        for index in range(len(servers.value)):
            url = servers.child(index, "url")
            if url is not None and isinstance(url.value, str) and url.key not in seen:
                seen.add(url.key)
                yield url


def expand_server_url(url: Node) -> str:
    """The URL with its variables at their defaults (`{scheme}://api` → `http://api`)."""
    text = cast(str, url.value)  # a `url` node from server_urls, which yields only string values
    server = url.doc.get(url.pointer.rsplit("/", 1)[0])
    variables = server.get("variables") if isinstance(server, dict) else None
    if isinstance(variables, dict):
        for name, spec in variables.items():
            if isinstance(spec, dict) and isinstance(spec.get("default"), str):
                text = text.replace("{" + str(name) + "}", spec["default"])
    return text
