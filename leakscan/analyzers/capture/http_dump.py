"""Raw HTTP dumps: `curl -i` and `curl -v` output, Burp and proxy "save item" files.

Recognised by content: the first meaningful line is a request line
(`GET /path HTTP/1.1`) or a status line (`HTTP/1.1 200 OK`, `HTTP/2 500`),
possibly behind curl's `> ` / `< ` markers. Each message's headers and body
become capture items with exact lines and columns in the dump; a JSON body is
followed with pointers after `#`. Findings group by request
("POST api.example.net/v1/login").
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from leakscan.analyzers.capture.bodies import body_items
from leakscan.analyzers.capture.http_evidence import clean_url
from leakscan.analyzers.capture.items import analyze
from leakscan.analyzers.capture.payload import Context, Item, finalize
from leakscan.analyzers.capture.sites import FileSite, NoSite, ShiftSite
from leakscan.analyzers.regions import message_regions
from leakscan.analyzers.registry import DocumentResult, register
from leakscan.engine.pii_checks import RegionHint
from leakscan.model import Chunk, ScanError
from leakscan.sources.decode import is_utf16

if TYPE_CHECKING:
    from leakscan.engine.context import Engine

METHODS = ("GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE|CONNECT"
           "|PROPFIND|PROPPATCH|MKCOL|COPY|MOVE|LOCK|UNLOCK|REPORT|SEARCH")
_REQUEST = re.compile(rf"({METHODS}) (\S{{1,8000}}) HTTP/\d(?:\.\d)?\s*$")
_STATUS = re.compile(r"HTTP/\d(?:\.\d)? (\d{3})(?: [^\r\n]*)?\s*$")
_HEADER = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}):[ \t]*([^\r\n]*?)[ \t]*\r?$")
_MARKER = re.compile(r"^[<>] ?")
HEAD_LINES = 40
HEAD_CHARS = 16384  # recognition reads no further


@dataclass
class _Message:
    label: str
    response: bool
    content_type: str = ""
    body_start: int = -1
    target: str = ""  # the request line's URL or path
    headers: list[tuple[str, str]] = field(default_factory=list)  # the request's (hints for phone regions)


def _lines(text: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """(offset, line without its newline) for each line."""
    at = start
    while at < len(text):
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        yield at, text[at:end]
        at = end + 1


def _strip_marker(line: str) -> tuple[int, str]:
    m = _MARKER.match(line)
    return (m.end(), line[m.end():]) if m else (0, line)


_TRAILER = re.compile(r"(?:\r?\n(?:\* [^\n]*|[{}] \[\d+ bytes? data\]|[<>])?)*\s*$")


def _trim(body: str) -> str:
    """A body without curl's trailing `* Connection left intact` lines and blank lines."""
    match = _TRAILER.search(body)
    return body[:match.start()] if match else body


class HttpDumpScanner:
    name = "http"

    def accepts(self, path: str, text: str) -> bool:
        for count, (_, line) in enumerate(_lines(text[:HEAD_CHARS].lstrip("\ufeff"))):
            if count >= HEAD_LINES:
                return False
            if not line.strip() or line.startswith(("* ", "{ [", "} [")):
                continue
            body = _strip_marker(line)[1]
            return bool(_REQUEST.match(body) or _STATUS.match(body))
        return False

    markers = (b"HTTP/",)

    def could_accept(self, path: str, data: bytes, ends: Mapping[bytes, int]) -> bool:
        # every request or status line has "HTTP/"; the head is at most four bytes a character
        end = ends.get(b"HTTP/")
        return is_utf16(data) or end is not None and end <= 4 * HEAD_CHARS

    def scan(self, chunk: Chunk, engine: Engine) -> DocumentResult:
        ctx = Context(engine, chunk.origin.path, "http", chunk.origin.commit, chunk.origin.blob)
        text, site = chunk.text, FileSite(chunk.text)
        errors: list[ScanError] = []
        items: list[Item] = []
        pending: list[Item] = []  # the current message's items, labelled when it ends
        message: _Message | None = None
        request_label, state = "", "none"
        regions: tuple[RegionHint, ...] = ()  # the last request's, for its response too

        def close(end: int) -> None:
            nonlocal regions
            if message is not None and state == "body":
                pending.extend(self._body(text, message, end, site, ctx, errors))
            if message is not None:
                if not message.response:
                    regions = message_regions(message.headers, message.target)
                items.extend(replace(i, extra=(("entry", message.label),), regions=i.regions + regions)
                             for i in pending)
            pending.clear()

        for offset, raw in _lines(text):
            skip, line = _strip_marker(raw)
            request, status = _REQUEST.match(line), _STATUS.match(line)
            if request or status:
                close(offset)
                if request:
                    target = request.group(2)
                    request_label = f"{request.group(1)} {clean_url(target)}"
                    message = _Message(request_label, False, target=target)
                    pending.append(self._item(target, offset + skip + request.start(2), site, "url", message))
                else:
                    regions = regions if request_label else ()  # a response with no request before it: no hints
                    label = request_label or f"response at line {site.position(offset)[0]}: {line.strip()[:40]}"
                    message, request_label = _Message(label, True), ""
                state = "headers"
            elif message is not None and state == "headers":
                header = _HEADER.match(line)
                if not line.strip():
                    state, message.body_start = "body", offset + len(raw) + 1
                elif header:
                    name, value = header.group(1), header.group(2)
                    if name.lower() == "content-type":
                        message.content_type = value
                    if name.lower() == "host" and not message.response:
                        message.label = request_label = self._with_host(message.label, value)
                    if not message.response:
                        message.headers.append((name, value))
                    pending.append(self._item(value, offset + skip + header.start(2), site, "header", message,
                                              key=name, prefix=f"{name}: "))
        close(len(text))
        return DocumentResult(tuple(finalize(analyze(items, ctx), ctx)), tuple(errors))

    @staticmethod
    def _with_host(label: str, host: str) -> str:
        method, _, target = label.partition(" ")
        return f"{method} {host.strip()}{target}" if target.startswith("/") else label

    @staticmethod
    def _item(value: str, at: int, site: FileSite, where: str, message: _Message, key: str = "",
              prefix: str = "") -> Item:
        return Item(value=value, pointer=None, site=ShiftSite(site, at), where=where, key=key, prefix=prefix,
                    payload=True, response=message.response, extra=(("entry", message.label),))

    @staticmethod
    def _body(text: str, message: _Message, end: int, site: FileSite, ctx: Context,
              errors: list[ScanError]) -> list[Item]:
        start = message.body_start
        body = _trim(text[start:end]) if 0 <= start < end else ""
        if not body.strip():
            return []
        template = Item(value="", pointer=None, site=NoSite(), where="body", payload=True,
                        response=message.response, extra=(("entry", message.label),))
        items = body_items(body, "", ShiftSite(site, start), ShiftSite(site, start), message.content_type, "",
                           template, errors, ctx.path)
        return [replace(i, pointer=None) if i.pointer == "" else i for i in items]


HTTP_DUMP = register(HttpDumpScanner())
