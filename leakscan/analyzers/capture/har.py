"""HAR 1.2 captures: every request and response read field by field.

Recognised by a .har name or a top-level `{"log": {...` with entries. Each
entry becomes items (URL, headers, query parameters, cookies, post data,
response headers, cookies and body, redirect URL, websocket messages) that are
scanned together; findings carry the pointer of the value (with `#` and the
inner pointer inside JSON bodies), the HAR line it is on, and an `entry` extra
("#3 GET https://…") the text report groups by. A truncated HAR keeps its
complete entries and scans the rest as text, with an `errors` entry.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from leakscan.analyzers.capture.against_spec import spec_protos
from leakscan.analyzers.capture.bodies import body_items, form_items
from leakscan.analyzers.capture.http_evidence import clean_url
from leakscan.analyzers.capture.items import analyze
from leakscan.analyzers.capture.jsondoc import NUMBER_TOO_LONG, Doc, iter_flatten, limit_error, parse_json
from leakscan.analyzers.capture.payload import Context, Item, Placed, derive
from leakscan.analyzers.capture.sites import EntrySite, FileSite, GapSite, NoSite, ShiftSite
from leakscan.analyzers.jsonspan import object_or_empty
from leakscan.analyzers.regions import message_regions
from leakscan.analyzers.registry import DocumentResult, register
from leakscan.model import Chunk, Origin, ScanError
from leakscan.sources.decode import first_byte, is_utf16
from leakscan.sources.jsonstream import Member, Spans, TextReader, har_members, skip_separators, string_blocks
from leakscan.sources.lenient_json import raw_decode_lenient

if TYPE_CHECKING:
    from leakscan.engine.context import Engine

_HEAD = re.compile(r'^\s*\{\s*"log"\s*:\s*\{')
_ENTRIES = re.compile(r'"entries"\s*:\s*\[')


def _str(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _pairs(value: Any) -> list[tuple[int, str, str]]:
    """(index, name, value) of a HAR name/value list, skipping malformed members."""
    if not isinstance(value, list):
        return []
    return [(i, _str(p.get("name")), _str(p.get("value"))) for i, p in enumerate(value) if isinstance(p, dict)]


class HarScanner:
    name = "har"

    def accepts(self, path: str, text: str) -> bool:
        head = text[:4096].lstrip("\ufeff \t\r\n")
        if not head.startswith("{"):
            return False
        return path.lower().endswith(".har") or bool(_HEAD.match(head)) and '"entries"' in text[:1 << 20]

    def could_accept(self, path: str, data: bytes, ends: Mapping[bytes, int]) -> bool:
        return is_utf16(data) or first_byte(data) == b"{"

    def scan_file(self, origin: Origin, blocks: Blocks, engine: Engine) -> DocumentResult | None:
        """`scan` of a large HAR read from its file block by block (`blocks()` reads it from the start), never
        held whole: its entries one at a time as `scan` reads them, then what lies outside the entries list,
        read again apart. None where `scan` must have the whole text: a spec comparison (`--spec`, or
        `_openapi` in the capture), not a complete HAR, an integer past Python's digit limit, or more than
        one entries list (two `log` keys)."""
        if engine.config.capture_spec:
            return None
        ctx = Context(engine, origin.path, "har", origin.commit, origin.blob)
        errors: list[ScanError] = []
        placed = Placed(ctx)
        spans: list[tuple[int, Spans]] = []
        watch = _Watch(blocks(), '"_openapi"')
        reader = TextReader(watch)
        data: Any = None
        try:
            for member in har_members(reader, lambda at, members: spans.append((at, members))):
                if not isinstance(member, Member):
                    data = member
                    break
                if isinstance(member.value, dict):
                    site = EntrySite(member.text, member.line, member.offset - member.line_start + 1)
                    entry_doc = Doc(member.text, site, f"/log/entries/{member.index}")
                    placed.add(analyze(entry_items(member.value, member.index, entry_doc, errors, ctx.path), ctx))
        except (ValueError, RecursionError, IndexError):
            return None
        cut = _entries_span(spans)
        if watch.seen or reader.long_integer or not _has_entries(data) or cut is None:
            return None
        placed.add(analyze(log_items(data, _outside(blocks(), *cut)), ctx))
        return DocumentResult(tuple(placed.candidates()), tuple(errors))

    def scan(self, chunk: Chunk, engine: Engine) -> DocumentResult:
        text = chunk.text
        start = 1 if text.startswith("\ufeff") else 0
        ctx = Context(engine, chunk.origin.path, "har", chunk.origin.commit, chunk.origin.blob)
        doc = Doc(text, FileSite(text), offset=start)
        errors: list[ScanError] = []
        # Entries are read one at a time (sources/jsonstream.py), scanned, placed and let go: a 200 MB
        # HAR never exists as one object tree, nor do its values once found. Only a spec comparison
        # needs the entries kept.
        placed = Placed(ctx)
        kept: list[Any] | None = [] if engine.config.capture_spec or '"_openapi"' in text else None
        streamed = 0

        def on_entry(index: int, entry: Any, entry_doc: Doc) -> None:
            nonlocal streamed
            streamed += 1
            if isinstance(entry, dict):
                placed.add(analyze(entry_items(entry, index, entry_doc, errors, ctx.path), ctx))
            if kept is not None:
                kept.append(entry)

        data, error = _parse(text, start, doc, on_entry, kept is not None)
        if error == NUMBER_TOO_LONG:  # parsed all the same, that integer a placeholder: said, then read as usual
            errors.append(ScanError(ctx.path, limit_error(error, data, "file")))
            error = None
        if error is None and _has_entries(data):
            placed.add(analyze(log_items(data, doc), ctx))
        if error is not None:
            entries, tail = _salvage(text)
            errors.append(ScanError(ctx.path, f"not a complete HAR ({error}); {len(entries)} complete "
                                              f"entr{'y' if len(entries) == 1 else 'ies'} scanned, the rest as text"))
            for index in range(streamed, len(entries)):
                on_entry(index, entries[index], doc)
            placed.add(analyze([_tail_item(text, tail)], ctx) if tail is not None else [])
        elif not streamed and not _has_entries(data):
            return _not_har(chunk, engine, data, doc)
        else:
            late = data["log"]["entries"] if _has_entries(data) else []
            for index in range(streamed, len(late)):  # json.loads took what the walk did not
                on_entry(index, late[index], doc)
            if kept is not None:
                placed.add(spec_protos(data, kept, doc, ctx, errors))
        return DocumentResult(tuple(placed.candidates()), tuple(errors))


def _has_entries(data: Any) -> bool:
    log = data.get("log") if isinstance(data, dict) else None
    return isinstance(log, dict) and isinstance(log.get("entries"), list)


def entry_items(entry: dict[str, Any], index: int, doc: Doc, errors: list[ScanError], path: str) -> list[Item]:
    """`doc`: the entry's own text (its prefix the entry's pointer), or the whole HAR (no prefix)."""
    base = "" if doc.prefix else f"/log/entries/{index}"  # pointers local to `doc`; items get doc.prefix + local
    request = object_or_empty(entry.get("request"))
    response = object_or_empty(entry.get("response"))
    url = _str(request.get("url"))
    label = f"#{index} {_str(request.get('method')) or '?'} {clean_url(url)}".rstrip()
    regions = message_regions(((name, value) for _, name, value in _pairs(request.get("headers"))), url)
    template = Item(value="", pointer=None, site=NoSite(), where="json", payload=True, extra=(("entry", label),),
                    regions=regions)
    items: list[Item] = []

    def add(local: str, value: str, where: str, key: str = "", prefix: str = "", response_side: bool = False) -> None:
        if value:
            items.append(derive(template, value=value, pointer=doc.prefix + local, site=doc.value_site(local, "string"),
                                where=where, key=key, prefix=prefix, response=response_side))

    add(f"{base}/request/url", url, "url")
    for side, message in (("request", request), ("response", response)):
        is_response = side == "response"
        for j, name, value in _pairs(message.get("headers")):
            add(f"{base}/{side}/headers/{j}/value", value, "header", name, f"{name}: ", is_response)
        for j, name, value in _pairs(message.get("cookies")):
            add(f"{base}/{side}/cookies/{j}/value", value, "set-cookie" if is_response else "cookie", name,
                f"{name}=", is_response)
    for j, name, value in _pairs(request.get("queryString")):
        add(f"{base}/request/queryString/{j}/value", value, "query", name, f"{name}=")
    items.extend(_post_data(request.get("postData"), f"{base}/request/postData", doc, template, errors, path, url))
    content = object_or_empty(response.get("content"))
    local = f"{base}/response/content/text"
    items.extend(body_items(_str(content.get("text")), doc.prefix + local, doc.value_site(local, "string"),
                            doc.value_site(local, "anchor"), _str(content.get("mimeType")),
                            _str(content.get("encoding")), derive(template, response=True), errors, path, url))
    add(f"{base}/response/redirectURL", _str(response.get("redirectURL")), "url", response_side=True)
    items.extend(_other_fields(entry, base, doc, template))
    for j, message in enumerate(entry.get("_webSocketMessages") or []):
        if isinstance(message, dict):
            local = f"{base}/_webSocketMessages/{j}/data"
            items.extend(body_items(_str(message.get("data")), doc.prefix + local, doc.value_site(local, "string"),
                                    doc.value_site(local, "anchor"), "", "",
                                    derive(template, response=message.get("type") == "receive"), errors, path))
    return items


def _post_data(post: Any, base: str, doc: Doc, template: Item, errors: list[ScanError], path: str,
               url: str) -> list[Item]:
    if not isinstance(post, dict):
        return []
    items: list[Item] = []
    for j, name, value in _pairs(post.get("params")):
        local = f"{base}/params/{j}/value"
        if value:
            items.append(derive(template, value=value, pointer=doc.prefix + local,
                                 site=doc.value_site(local, "string"), where="form", key=name, prefix=f"{name}="))
    text, mime = _str(post.get("text")), _str(post.get("mimeType"))
    local = f"{base}/text"
    pointer, site = doc.prefix + local, doc.value_site(local, "string")
    if "x-www-form-urlencoded" in mime.lower() and items:
        return items + [derive(template, value=text, pointer=pointer, site=site, where="body")] if text else items
    if "x-www-form-urlencoded" in mime.lower():
        return form_items(text, pointer, site, template) if text else items
    return items + body_items(text, pointer, site, doc.value_site(local, "anchor"), mime,
                              _str(post.get("encoding")), template, errors, path, url)


# What entry_items reads field by field, or what holds nothing of anyone's (timings, the server's
# own address, connection and page ids); the rest is read as JSON.
_READ_ENTRY = frozenset({"request", "response", "_webSocketMessages", "time", "timings", "startedDateTime",
                         "serverIPAddress", "connection", "pageref"})
_READ_MESSAGE = frozenset({"method", "url", "httpVersion", "headers", "cookies", "queryString", "postData",
                           "content", "redirectURL", "status", "statusText", "headersSize", "bodySize"})


def _other_fields(entry: dict[str, Any], base: str, doc: Doc, template: Item) -> list[Item]:
    """Comments, custom `_fields` and anything else an entry holds beyond the fields read above,
    keys included: `leakscan mask` rewrites every string, so the scan reads every string."""
    others: dict[str, Any] = {k: v for k, v in entry.items() if k not in _READ_ENTRY}
    items = list(iter_flatten(others, doc, template, base)) if others else []
    for side in ("request", "response"):
        message = entry.get(side)
        rest = {k: v for k, v in message.items() if k not in _READ_MESSAGE} if isinstance(message, dict) else {}
        if rest:
            items.extend(iter_flatten(rest, doc, derive(template, response=side == "response"), f"{base}/{side}"))
    return items


def log_items(data: Any, doc: Doc) -> list[Item]:
    """Everything in a HAR outside `log.entries`: creator and browser comments, page titles, custom fields."""
    if not isinstance(data, dict):
        return []
    log = data.get("log")
    rest = {k: v for k, v in data.items() if k != "log"}
    if isinstance(log, dict):
        rest["log"] = {k: v for k, v in log.items() if k != "entries"}
    template = Item(value="", pointer=None, site=NoSite(), where="json", payload=True,
                    extra=(("entry", "HAR log (creator, pages, comments)"),))
    return list(iter_flatten(rest, doc, template))


EntryCallback = Callable[[int, Any, Doc], None]
Blocks = Callable[[], Iterator[str]]  # a text read block by block, from its start at each call


class _Watch:
    """Blocks passed on as they come, noting whether `word` occurs in the text they make."""

    def __init__(self, blocks: Iterator[str], word: str) -> None:
        self.blocks, self.word = blocks, word
        self.seen = False
        self._tail = ""  # the last len(word) - 1 characters so far: a word across two blocks

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        block = next(self.blocks)
        if not self.seen:
            keep = len(self.word) - 1
            self.seen = self.word in block or self.word in self._tail + block[:keep]
            self._tail = (self._tail + block[:keep])[-keep:] if len(block) < keep else block[-keep:]
        return block


def _entries_span(spans: list[tuple[int, Spans]]) -> tuple[int, int] | None:
    """Where `log.entries` is in the text (from the walk's member spans, the root's last), if it is
    in one place only."""
    if not spans:
        return None
    logs = {start for key, start, _ in spans[-1][1] if key == "log"}
    found = [(start, end) for at, members in spans[:-1] if at in logs for key, start, end in members
             if key == "entries"]
    return found[0] if len(found) == 1 else None


def _outside(blocks: Iterator[str], cut_at: int, cut_end: int) -> Doc:
    """The HAR's text with its entries list cut out ("[]" in its place), read again block by block, as
    a document whose positions are those of the whole file (the log's members: pages, creator, comments)."""
    before: list[str] = []
    after: list[str] = []
    newlines, last, at = 0, -1, 0
    for block in blocks:
        end = at + len(block)
        if at < cut_at:
            before.append(block[:cut_at - at])
        if end > cut_end:
            after.append(block[max(0, cut_end - at):])
        low, high = max(at, cut_at) - at, min(end, cut_end) - at
        if low < high:
            newlines += block.count("\n", low, high)
            found = block.rfind("\n", low, high)
            last = at + found if found >= 0 else last
        at = end
    text = "".join(before) + "[]" + "".join(after)
    return Doc(text, GapSite(text, cut_at, 2, cut_end - cut_at, newlines, last))


def _parse(text: str, start: int, doc: Doc, on_entry: EntryCallback, entry_spans: bool) -> tuple[Any, str | None]:
    """json.loads, but read one entry at a time (sources/jsonstream.py): each entry goes to `on_entry`
    with a Doc of its own text as soon as it is parsed (and is not kept in the result), and the spans
    of the root's and `log`'s members seed `doc`, so positions outside the entries need no second parse."""
    reader = TextReader(string_blocks(text, start), start)
    try:
        for member in har_members(reader, doc.spans.seed, entry_spans):
            if not isinstance(member, Member):  # the root, read whole: its long integers said as json.loads would
                return member, NUMBER_TOO_LONG if reader.long_integer else None
            site = EntrySite(member.text, member.line, member.offset - member.line_start + 1)
            on_entry(member.index, member.value, Doc(member.text, site, f"/log/entries/{member.index}"))
    except (ValueError, RecursionError, IndexError):
        pass
    # The error message (or, should the walk be stricter than json.loads, the data) from json.loads.
    return parse_json(text[start:] if start else text)


def _salvage(text: str) -> tuple[list[Any], int | None]:
    """The complete entries of a truncated HAR and where the broken part starts."""
    found = _ENTRIES.search(text)
    if not found:
        return [], 0
    entries: list[Any] = []
    at = skip_separators(text, found.end())
    while at < len(text) and text[at] == "{":
        try:
            entry, end = raw_decode_lenient(text, at)  # an integer past Python's digit limit: a placeholder
        except (ValueError, RecursionError):  # broken or too deep
            break
        entries.append(entry)
        at = skip_separators(text, end)
    return entries, at


def _tail_item(text: str, at: int) -> Item:
    return Item(value=text[at:], pointer=None, site=ShiftSite(FileSite(text), at), where="text", payload=True,
                extra=(("entry", "unparsed end of the file"),))


def _not_har(chunk: Chunk, engine: Engine, data: Any, doc: Doc) -> DocumentResult:
    """A .har that is JSON but has no log.entries: scanned as a JSON document."""
    # Imported here: importing jsonbody registers its scanners, which must come after this one.
    from leakscan.analyzers.capture.jsonbody import scan_json_data

    result = scan_json_data(chunk, engine, data, "har")
    error = ScanError(chunk.origin.path, "not a HAR file: no log.entries list at the top level; scanned as JSON")
    return DocumentResult(result.candidates, (error,) + result.errors)


HAR = register(HarScanner())
