"""One request and its response, as the inventory and the exposure checks read them from a HAR."""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote

from leakscan.analyzers.capture.http_evidence import clean_url
from leakscan.analyzers.urlparts import split_url
from leakscan.sources.jsonstream import Member, TextReader, skip_separators
from leakscan.sources.lenient_json import raw_decode_lenient

MAX_BODY = 64 * 1024  # of a request body kept to look for first-party values sent elsewhere
PAGES_WINDOW = 1 << 20  # characters at the start of a HAR looked through for its pages
STREAM_WINDOW = 1 << 23  # characters a streamed read looks through for the head and the entries list
_HEAD = re.compile(r'^\ufeff?\s*\{\s*"log"\s*:\s*\{')
_ENTRIES = re.compile(r'"entries"\s*:\s*\[')
_PAGES = re.compile(r'"pages"\s*:\s*\[')
# Path segments that are ids, not names: numbers (with separators), UUIDs, hex, prefixed ids
# (cus_8f3K...), long tokens, base64 with digits.
_ID_SEGMENT = re.compile(
    r"^(\d[\d_.:-]*|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?=[^/]*\d)[0-9a-fA-F]{8,}|[a-z]{2,8}_(?=[^/]*\d)[A-Za-z0-9]{6,}|(?=[^/]*\d)[A-Za-z0-9_-]{20,}"
    r"|(?=[^/]*\d)(?=[^/]*[A-Za-z])[A-Za-z0-9+/_-]{12,}={0,2}"
    # Anything long with letters and digits and no spaces (a bot token `bot78…:AAm8…`, a signed blob).
    r"|(?=[^/]*\d)(?=[^/]*[A-Za-z])[^\s/]{16,})$")

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SetCookie:
    """A cookie a response sets, with the attributes that protect it."""

    name: str
    value: str
    secure: bool
    http_only: bool
    same_site: str  # "" when not given
    header: int | None  # index of its Set-Cookie header, None when only in the HAR's cookies[]


@dataclass(frozen=True)
class Exchange:
    index: int
    offset: int  # where the entry starts in the HAR's text (-1: unknown)
    method: str
    url: str
    scheme: str
    host: str
    path: str
    status: int
    request_headers: Pairs
    response_headers: Pairs
    request_cookies: Pairs
    query: Pairs
    request_body: str
    response_mime: str
    set_cookies: tuple[SetCookie, ...]

    def header(self, name: str, response: bool = False) -> str | None:
        wanted = name.lower()
        for key, value in self.response_headers if response else self.request_headers:
            if key.lower() == wanted:
                return value
        return None

    def header_index(self, name: str, response: bool = False) -> int | None:
        wanted = name.lower()
        for i, (key, _) in enumerate(self.response_headers if response else self.request_headers):
            if key.lower() == wanted:
                return i
        return None

    @property
    def template(self) -> str:
        return path_template(self.path)

    @property
    def endpoint(self) -> str:
        """`GET api.shop.example/users/{id}`: how labels name an endpoint (no ids, no query)."""
        return f"{self.method} {self.host}{self.template}"

    @property
    def entry_label(self) -> str:
        """How the capture scanner names the entry (`#3 GET https://host/path?q=…`): reports group by it."""
        return f"#{self.index} {self.method} {clean_url(self.url)}"


# Responses that are assets, not API endpoints: stylesheets, scripts, images, fonts, media.
_ASSET = re.compile(r"^(text/css|image/|font/|audio/|video/)|javascript|wasm|octet-stream", re.I)
_ASSET_PATH = re.compile(r"\.(css|js|mjs|map|png|jpe?g|gif|svg|webp|ico|woff2?|ttf|otf|mp4|webm)$", re.I)


def is_asset(exchange: Exchange) -> bool:
    """A stylesheet, script, image, font or media file fetched as such: public by design, not an API
    endpoint. A request that sends parameters or a body (a tracking pixel) is an endpoint all the same."""
    if exchange.query or exchange.request_body or "?" in exchange.url:
        return False
    return bool(_ASSET.search(exchange.response_mime) or _ASSET_PATH.search(exchange.path))


def path_template(path: str) -> str:
    """`/users/42/orders/9f1c…` → `/users/{id}/orders/{id}`; an email segment → `{email}`."""
    out = []
    for segment in path.split("/"):
        plain = unquote(segment)
        out.append("{email}" if "@" in plain else "{id}" if _ID_SEGMENT.match(plain) else segment)
    return "/".join(out) or "/"


def _str(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _pairs(value: Any) -> Pairs:
    if not isinstance(value, list):
        return ()
    return tuple((_str(p.get("name")), _str(p.get("value"))) for p in value if isinstance(p, dict))


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def exchange_of(index: int, entry: Any, offset: int = -1) -> Exchange | None:
    """The exchange a HAR entry records; None when it has no request URL."""
    request, response = _object(_object(entry).get("request")), _object(_object(entry).get("response"))
    url = _str(request.get("url"))
    try:
        parts = split_url(url)
    except ValueError:
        return None
    if not url or not parts.hostname:
        return None
    status = response.get("status")
    post = _object(request.get("postData"))
    headers = _pairs(response.get("headers"))
    return Exchange(
        index=index, offset=offset, method=(_str(request.get("method")) or "GET").upper(), url=url,
        scheme=parts.scheme.lower(),
        host=parts.hostname.lower(), path=parts.path or "/", status=status if isinstance(status, int) else 0,
        request_headers=_pairs(request.get("headers")), response_headers=headers,
        request_cookies=_pairs(request.get("cookies")), query=_pairs(request.get("queryString")),
        request_body=_str(post.get("text"))[:MAX_BODY],
        response_mime=_str(_object(response.get("content")).get("mimeType")).lower(),
        set_cookies=_set_cookies(headers, response.get("cookies")),
    )


def _set_cookies(headers: Pairs, cookies: Any) -> tuple[SetCookie, ...]:
    found: dict[str, SetCookie] = {}
    for i, (name, value) in enumerate(headers):
        if name.lower() == "set-cookie":
            for line in value.split("\n"):  # HAR writers join repeated Set-Cookie headers with newlines
                cookie = parse_set_cookie(line, i)
                if cookie is not None:
                    found.setdefault(cookie.name, cookie)
    for item in cookies if isinstance(cookies, list) else []:
        if isinstance(item, dict) and _str(item.get("name")) and _str(item.get("name")) not in found:
            name = _str(item.get("name"))
            found[name] = SetCookie(name, _str(item.get("value")), item.get("secure") is True,
                                    item.get("httpOnly") is True, _str(item.get("sameSite")), None)
    return tuple(found.values())


def parse_set_cookie(line: str, header: int | None) -> SetCookie | None:
    name, eq, rest = line.partition("=")
    if not eq or not name.strip():
        return None
    value, _, attributes = rest.partition(";")
    flags: dict[str, str] = {}
    for attribute in attributes.split(";"):
        key, _, val = attribute.strip().partition("=")
        flags[key.strip().lower()] = val.strip()
    if flags.get("max-age", "").lstrip("-") == "0" or flags.get("max-age", "").startswith("-") \
            or re.search(r"\b19[0-9]{2}\b", flags.get("expires", "")):
        return None  # a deletion: the cookie is being removed, not set
    return SetCookie(name.strip(), value.strip(), "secure" in flags, "httponly" in flags,
                     flags.get("samesite", ""), header)


def iter_entries(text: str) -> Iterator[tuple[int, Any]]:
    """A HAR's entries one at a time, decoded where they are: a large capture is never one object tree."""
    for index, _, entry in entries_at(text):
        yield index, entry


def entries_at(text: str) -> Iterator[tuple[int, int, Any]]:
    """(index, offset of the entry in `text`, entry) for each entry of a HAR."""
    found = _ENTRIES.search(text) if _HEAD.match(text) else None
    if found is None:  # not a HAR at the top level (the HAR scanner reports it and scans it as JSON)
        return
    for index, (start, value) in enumerate(_iter_list(text, found.end())):
        yield index, start, value


def streamed_entries(reader: TextReader, window: int = STREAM_WINDOW) -> Iterator[tuple[int, Any]] | None:
    """`iter_entries` of a text read block by block: the same entries, while the reader's window holds
    about one of them. None when the first `window` characters do not settle where the entries
    start (the caller reads the text whole then)."""
    at = _entries_start(reader, window)
    return at if at is None or not isinstance(at, int) else _stream_list(reader, at)


def streamed_entry_texts(reader: TextReader, wanted: Collection[int],
                         window: int = STREAM_WINDOW) -> Iterator[Member] | None:
    """The wanted entries of the list `streamed_entries` reads, each as its own text with where it
    starts in the whole text (a site for a value in it needs no more), read up to the last of them;
    None as there."""
    at = _entries_start(reader, window)
    return at if at is None or not isinstance(at, int) else _stream_texts(reader, at, wanted)


def _entries_start(reader: TextReader, window: int) -> int | Iterator[Any] | None:
    """Where the entries list's members start in the reader's window; an empty iterator when the text
    holds none (read to the end: not a HAR at the top level), None when the window does not settle it."""
    head = _grown_until(reader, _HEAD.match, window)
    if head is None or not head:  # undecided, or (read to the end) not a HAR at the top level
        return None if head is None else iter(())
    found = _grown_until(reader, _ENTRIES.search, window)
    if found is None or not found:
        return None if found is None else iter(())
    return found.end()


def _grown_until(reader: TextReader, test: Callable[[str], re.Match[str] | None],
                 window: int) -> re.Match[str] | Literal[False] | None:
    """`test` on the text read so far, read on while it fails: its match, False when the whole
    text fails it, None when the window is full first. Both patterns end on a character they
    need, so a match in the window is the match in the whole text."""
    while True:
        found = test(reader.buf)
        if found is not None:
            return found
        if len(reader.buf) >= window:
            return None
        if not reader.more():
            return False


def _stream_list(reader: TextReader, at: int) -> Iterator[tuple[int, Any]]:
    """`_iter_list` on the reader's window: each member read, then let go."""
    index = 0
    while True:
        at = _skip_separators(reader, at)
        if at >= len(reader.buf) or reader.buf[at] == "]":
            return
        try:
            value, end = reader.value(at)  # read on while the window cuts it short; lenient as raw_decode_lenient
        except (ValueError, RecursionError):  # a truncated capture: its complete entries are enough
            return
        yield index, value
        index += 1
        reader.release(end)
        at = reader.pos


def _stream_texts(reader: TextReader, at: int, wanted: Collection[int]) -> Iterator[Member]:
    """`_stream_list`, each wanted member yielded as its text and where it starts (not its value)."""
    index, last = 0, max(wanted, default=-1)
    while index <= last:
        at = _skip_separators(reader, at)
        if at >= len(reader.buf) or reader.buf[at] == "]":
            return
        offset, line, line_start = reader.where(at)
        try:
            _, end = reader.value(at)
        except (ValueError, RecursionError):
            return
        if index in wanted:
            yield Member(index, reader.buf[at:end], None, offset, line, line_start)
        index += 1
        reader.release(end)
        at = reader.pos


def _skip_separators(reader: TextReader, at: int) -> int:
    while True:
        end = skip_separators(reader.buf, at)
        if end < len(reader.buf) or not reader.more():
            return end
        at = end


def page_titles(text: str) -> list[str]:
    found = _PAGES.search(text, 0, min(len(text), PAGES_WINDOW))  # HAR writers put pages before the entries
    return [_str(_object(p).get("title")) for _, p in _iter_list(text, found.end())] if found else []


def streamed_page_titles(reader: TextReader) -> list[str]:
    """`page_titles` of a text read block by block (a reader at its start)."""
    while len(reader.buf) < PAGES_WINDOW and reader.more():
        pass
    found = _PAGES.search(reader.buf, 0, min(len(reader.buf), PAGES_WINDOW))
    return [_str(_object(p).get("title")) for _, p in _stream_list(reader, found.end())] if found else []


def _iter_list(text: str, at: int) -> Iterator[tuple[int, Any]]:
    at = skip_separators(text, at)
    while at < len(text) and text[at] not in "]":
        try:
            value, end = raw_decode_lenient(text, at)  # an integer past Python's digit limit: a placeholder
        except (ValueError, RecursionError):  # a truncated capture: its complete entries are enough
            return
        yield at, value
        at = skip_separators(text, end)
