"""Capture against spec: shadow endpoints and undeclared response fields.

`leakscan scan CAPTURE --spec openapi.yaml` (or a HAR carrying its spec
inline under `log._openapi`, as the rule examples do) compares each request
to the documented operations. The spec is loaded and walked with the spec
scanner's own reader (sources/openapi.py, analyzers/spec_walk.py), so `$ref`s,
Swagger 2.0 and server variables mean the same thing in both places.

Only traffic to the API's hosts counts: the hosts of the spec's servers, or,
when those are relative, the hosts where at least one request matched a
documented path. Static assets and CORS preflights are never shadow
endpoints.
"""
from __future__ import annotations

import base64
import binascii
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from leakscan.analyzers.capture.bodies import is_binary_mime, is_code
from leakscan.analyzers.capture.field_evidence import key_kind
from leakscan.analyzers.capture.http_evidence import clean_url
from leakscan.analyzers.capture.jsondoc import Doc, parse_json
from leakscan.analyzers.capture.payload import Context, Item, Proto
from leakscan.analyzers.jsonspan import object_or_empty
from leakscan.analyzers.spec import walk as spec_walk
from leakscan.model import Adjustment, Rule, ScanError
from leakscan.sources.files import WHOLE_FILE_LIMIT, read_regular
from leakscan.sources.openapi import Node, RefResolver, SpecDocument, SpecLoadError, load_document
from leakscan.sources.pointer import escape

MAX_ITEMS_CHECKED = 50  # elements of a response array compared to the schema
MAX_DEPTH = 12
_ID_SEGMENT = re.compile(r"^(\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                         r"|[0-9a-fA-F]{16,}|[A-Za-z0-9_-]{20,})$")
_STATIC = re.compile(r"^(text/html|text/css|image/|font/|audio/|video/)|javascript", re.I)


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    regex: re.Pattern[str]
    op: spec_walk.Operation


@dataclass
class SpecIndex:
    doc: SpecDocument
    refs: RefResolver
    version: str
    hosts: frozenset[str]
    bases: tuple[str, ...]
    routes: tuple[Route, ...]

    def match(self, method: str, path: str) -> tuple[Route | None, bool]:
        """(the operation, whether the path exists at all) for a request path."""
        path_known = False
        for base in self.bases:
            if base and not (path == base or path.startswith(base + "/")):
                continue
            local = path[len(base):] or "/"
            for route in self.routes:
                if route.regex.match(local):
                    path_known = True
                    if route.method == method:
                        return route, True
        return None, path_known


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template.rstrip("/") or "/")
    body = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
    return re.compile(f"^{body}/?$")


def build_index(doc: SpecDocument, max_file_size: int) -> SpecIndex | None:
    version = doc.version
    if not version:
        return None
    refs = RefResolver(doc, max_file_size)
    hosts, bases = set(), {""}
    if version.startswith("2"):
        data = doc.data
        if isinstance(data.get("host"), str):
            hosts.add(data["host"].lower().split(":")[0])
        if isinstance(data.get("basePath"), str):
            bases.add(data["basePath"].rstrip("/"))
    else:
        for url in spec_walk.server_urls(doc, refs, version):
            parts = urlsplit(spec_walk.expand_server_url(url))
            if parts.hostname:
                hosts.add(parts.hostname.lower())
            bases.add(parts.path.rstrip("/"))
    routes = tuple(Route(op.method.upper(), op.path, _template_regex(op.path), op)
                   for op in spec_walk.operations(doc, refs))
    return SpecIndex(doc, refs, version, frozenset(hosts), tuple(sorted(bases, key=len, reverse=True)), routes)


@functools.lru_cache(maxsize=4)
def _load_file(path: str, mtime: float, max_file_size: int) -> tuple[SpecIndex | None, str | None]:
    data = read_regular(path, WHOLE_FILE_LIMIT)  # a regular file, read no further than the limit
    if not isinstance(data, bytes):
        why = data.strerror if isinstance(data, OSError) else f"over the limit of {WHOLE_FILE_LIMIT} bytes"
        return None, f"cannot use --spec {path}: {why}"
    try:
        doc = load_document(data.decode("utf-8", "replace"), path, os.path.abspath(path))
    except SpecLoadError as exc:
        return None, f"cannot use --spec {path}: {exc}"
    index = build_index(doc, max_file_size)
    return (index, None) if index else (None, f"--spec {path} is not an OpenAPI or Swagger document")


class _Inline:
    def locate(self, pointer: str) -> None:
        return None

    def line_text(self, line: int) -> str:
        return ""


def spec_for(data: Any, ctx: Context, errors: list[ScanError]) -> SpecIndex | None:
    config = ctx.engine.config
    path = getattr(config, "capture_spec", None)
    if path:
        try:
            mtime = os.path.getmtime(path)
        except OSError as exc:
            errors.append(ScanError(ctx.path, f"cannot use --spec {path}: {exc.strerror or exc}"))
            return None
        index, error = _load_file(path, mtime, config.max_file_size)
        if error:
            errors.append(ScanError(ctx.path, error))
        return index
    has_log = isinstance(data, dict) and isinstance(data.get("log"), dict)
    inline = data.get("log", {}).get("_openapi") if has_log else None
    if isinstance(inline, dict):
        return build_index(SpecDocument(ctx.path + "#/log/_openapi", inline, _Inline(), "json"), config.max_file_size)
    return None


def spec_protos(data: Any, entries: list[Any], doc: Doc, ctx: Context, errors: list[ScanError]) -> list[Proto]:
    index = spec_for(data, ctx, errors)
    if index is None:
        return []
    shadow_rule, field_rule = ctx.rule("capture.spec.shadow-endpoint"), ctx.rule("capture.spec.undeclared-field")
    seen = [_request(e) for e in entries]
    api_hosts = index.hosts or {host for host, method, path, _ in filter(None, seen) if index.match(method, path)[1]}
    found: list[Proto] = []
    for i, (entry, request) in enumerate(zip(entries, seen, strict=False)):
        if request is None or request[0] not in api_hosts:
            continue
        host, method, path, url = request
        route, path_known = index.match(method, path)
        item = _url_item(entry, i, url, doc)
        if route is None:
            if shadow_rule is not None and method != "OPTIONS" and not _static(entry, path):
                found.append(_shadow(shadow_rule, item, method, path, path_known))
        elif field_rule is not None:
            found.extend(_undeclared(field_rule, entry, i, route, index, doc, item))
    return found


def _request(entry: Any) -> tuple[str, str, str, str] | None:
    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, dict) or not isinstance(request.get("url"), str):
        return None
    url = request["url"]
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    method = str(request.get("method") or "GET").upper()
    return (parts.hostname or "").lower(), "GET" if method == "HEAD" else method, parts.path or "/", url


def _static(entry: dict[str, Any], path: str) -> bool:
    content = (entry.get("response") or {}).get("content") or {}
    mime = str(content.get("mimeType") or "") if isinstance(content, dict) else ""
    return bool(_STATIC.search(mime)) or is_code(mime, path) or is_binary_mime(mime)


def _url_item(entry: dict[str, Any], index: int, url: str, doc: Doc) -> Item:
    pointer = f"/log/entries/{index}/request/url"
    method = str((entry.get("request") or {}).get("method") or "?")
    return Item(value=url, pointer=pointer, site=doc.value_site(pointer, "string"), where="url",
                extra=(("entry", f"#{index} {method} {clean_url(url)}"),))


def normalise_path(path: str) -> str:
    """`/users/42/orders` → `/users/{id}/orders`, so one shadow endpoint is one finding."""
    return "/".join("{id}" if _ID_SEGMENT.match(seg) else seg for seg in path.split("/"))


def _shadow(rule: Rule, item: Item, method: str, path: str, path_known: bool) -> Proto:
    endpoint = f"{method} {normalise_path(path)}"
    why = "the path is documented, this method is not" if path_known else "no documented path matches"
    return Proto(rule, endpoint, item, 0, len(item.value),
                 [Adjustment(f"{endpoint}: {why}", -0.1 if path_known else 0.0)], display=endpoint)


# ---- response fields ------------------------------------------------------------------

def _response_body(entry: dict[str, Any]) -> tuple[Any | None, str, int]:
    response = object_or_empty(entry.get("response"))
    content = object_or_empty(response.get("content"))
    text = content.get("text")
    if not isinstance(text, str) or not text.strip():
        return None, "", 0
    if str(content.get("encoding", "")).lower() == "base64":
        try:
            text = base64.b64decode(text, validate=False).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return None, "", 0
    # Parsed leniently: an integer past Python's digit limit is a placeholder, and the body's fields are
    # still compared with the schema (data is None only when the body is not JSON, or too big or deep).
    data, _ = parse_json(text) if len(text) < 8 * 1024 * 1024 else (None, "too big")
    status = response.get("status")
    return data, text, status if isinstance(status, int) else 0


def _schema_for(route: Route, status: int, index: SpecIndex) -> Node | None:
    wanted = [str(status), f"{status // 100}XX", f"{status // 100}xx", "default"]
    by_code = {r.code: r for r in spec_walk.responses(route.op, index.refs)}
    for code in wanted:
        response = by_code.get(code)
        if response is None:
            continue
        for entry in spec_walk.media(response, index.version):
            media_type = entry.pointer.rsplit("/", 1)[-1].replace("~1", "/")
            if index.version.startswith("2") or "json" in media_type or media_type == "*~1*":
                schema = entry.child("schema")
                if schema is not None:
                    return schema
        return None
    return None


def _undeclared(rule: Rule, entry: dict[str, Any], i: int, route: Route, index: SpecIndex, doc: Doc,
                url_item: Item) -> list[Proto]:
    data, text, status = _response_body(entry)
    if data is None:
        return []
    schema = _schema_for(route, status, index)
    if schema is None:
        return []
    body_pointer = f"/log/entries/{i}/response/content/text"
    body = Doc(text, doc.value_site(body_pointer, "string"), body_pointer + "#", 1)
    found: list[Proto] = []
    for local, field_path in _walk(data, schema, index.refs, "", "", 0):
        name = field_path.rsplit(".", 1)[-1]
        label = f"{route.method} {route.template} → {field_path}"
        item = Item(value=name, pointer=body.prefix + local, site=body.value_site(local, "anchor"), where="json",
                    extra=url_item.extra)
        proto = Proto(rule, label, item, 0, len(name), [Adjustment(f"{label} is not in the response schema", 0.0)],
                      display=label)
        kind = key_kind(name)
        if kind is not None:
            proto.adjustments.append(Adjustment(f"undeclared field {name!r} names a {kind.label}", 0.2))
        found.append(proto)
    return found


def _walk(value: Any, schema: Node, refs: RefResolver, local: str, path: str,
          depth: int) -> Iterator[tuple[str, str]]:
    """(pointer, dotted path) of each value the schema does not declare."""
    resolved = refs.resolve(schema)
    if resolved is None or depth > MAX_DEPTH or not isinstance(resolved.value, dict):
        return
    props, open_ended, items = _shape(resolved, refs, 0)
    if isinstance(value, dict) and props is not None:
        for key, child in value.items():
            here, dotted = f"{local}/{escape(key)}", f"{path}.{key}" if path else key
            if key in props:
                yield from _walk(child, props[key], refs, here, dotted, depth + 1)
            elif not open_ended:
                yield here, dotted
    elif isinstance(value, list) and items is not None:
        for n, child in enumerate(value[:MAX_ITEMS_CHECKED]):
            yield from _walk(child, items, refs, f"{local}/{n}", f"{path}[]", depth + 1)


def _shape(schema: Node, refs: RefResolver, depth: int) -> tuple[dict[str, Node] | None, bool, Node | None]:
    """(declared properties or None when free-form, additional properties allowed, items schema)."""
    value = schema.value
    props: dict[str, Node] | None = None
    open_ended = value.get("additionalProperties") not in (None, False) or "patternProperties" in value
    if isinstance(value.get("properties"), dict):
        props = {str(k): spec_walk.member(schema, "properties", k) for k in value["properties"]}
    items = schema.child("items") if isinstance(value.get("items"), dict) else None
    for combiner in ("allOf", "oneOf", "anyOf"):
        parts = value.get(combiner)
        if not isinstance(parts, list) or depth > 8:
            continue
        for n in range(len(parts)):
            part = refs.resolve(spec_walk.member(schema, combiner, n))
            if part is None or not isinstance(part.value, dict):
                return None, True, items  # unknown alternative: nothing can be called undeclared
            sub_props, sub_open, sub_items = _shape(part, refs, depth + 1)
            if sub_props is None and combiner != "allOf":
                return None, True, items
            props = {**(props or {}), **(sub_props or {})}
            open_ended = open_ended or sub_open
            items = items or sub_items
    return props, open_ended, items

