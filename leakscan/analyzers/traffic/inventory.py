"""The API inventory: every endpoint a capture shows, how it authenticates and what its responses carry."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from leakscan.analyzers.capture import against_spec
from leakscan.analyzers.capture.against_spec import SpecIndex
from leakscan.analyzers.registry import document_scanner_for
from leakscan.analyzers.traffic.auth import auth_kinds
from leakscan.analyzers.traffic.exchange import Exchange, exchange_of, is_asset, iter_entries, streamed_entries
from leakscan.analyzers.traffic.places import Seen, by_entry
from leakscan.masking.sanitize import MASKED_CATEGORIES, Sanitizer
from leakscan.model import Endpoint, Finding, MaskSpec, Report, Rule
from leakscan.sources.files import FileRef, LoadedFile, read_file, walk_files
from leakscan.sources.jsonstream import TextReader, file_blocks, plain_utf8_length

if TYPE_CHECKING:
    from leakscan.config import Config
    from leakscan.engine.context import Engine

MAX_UNDECLARED = 50  # field paths listed per endpoint
STREAM_FROM = 1 << 22  # a capture larger than this (bytes) is read again block by block for the inventory
CHECK_BLOCK = 1 << 20  # bytes read at a time to check that a capture is plain UTF-8
# Words that make the OpenAPI scanner read a whole text: a file holding one is read whole, as the scan reads it.
OPENAPI_WORDS = (b"openapi", b"swagger")
Entry = tuple[int, Any]  # a HAR entry's index and its decoded JSON


@dataclass
class _Tally:
    auth: set[str] = field(default_factory=set)
    statuses: set[int] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    documented: set[bool] = field(default_factory=set)
    undeclared: dict[str, None] = field(default_factory=dict)
    calls: int = 0


@dataclass
class Inventory:
    """Endpoints accumulated over one or more captures; `assets` counts the requests left out."""

    spec: SpecIndex | None = None
    tallies: dict[tuple[str, str, str], _Tally] = field(default_factory=dict)
    spec_hosts: set[str] = field(default_factory=set)  # hosts where a request matched a documented path
    assets: int = 0

    def add_capture(self, text: str, seen: Iterable[Seen]) -> None:
        self.add_entries(iter_entries(text), seen)

    def add_entries(self, raw_entries: Iterable[tuple[int, Any]], seen: Iterable[Seen]) -> None:
        """A capture's (index, entry) pairs, as `exchange.iter_entries` reads them."""
        entries = by_entry(seen)
        for index, raw in raw_entries:
            exchange = exchange_of(index, raw)
            if exchange is None:
                continue
            if exchange.method == "OPTIONS" or is_asset(exchange):
                self.assets += 1
                continue
            tally = self.tallies.setdefault((exchange.host, exchange.template, exchange.method), _Tally())
            tally.calls += 1
            tally.auth.update(auth_kinds(exchange))
            if exchange.status:
                tally.statuses.add(exchange.status)
            data = entries.get(index)
            if data is not None:
                tally.classes.update(data.classes("response"))
            if self.spec is not None:
                self._compare(exchange, raw, tally)

    def _compare(self, exchange: Exchange, raw: Any, tally: _Tally) -> None:
        assert self.spec is not None
        method = "GET" if exchange.method == "HEAD" else exchange.method
        route, path_known = self.spec.match(method, exchange.path)
        if path_known:
            self.spec_hosts.add(exchange.host)
        tally.documented.add(route is not None)
        if route is None or len(tally.undeclared) >= MAX_UNDECLARED or not isinstance(raw, dict):
            return
        data, _, status = against_spec._response_body(raw)
        schema = against_spec._schema_for(route, status, self.spec) if data is not None else None
        if schema is not None:
            for _, dotted in against_spec._walk(data, schema, self.spec.refs, "", "", 0):
                tally.undeclared.setdefault(dotted, None)

    def endpoints(self, clean: Callable[[str], str] = str) -> tuple[Endpoint, ...]:
        """The endpoints, sorted; `clean` masks what a report may not print (a token in a URL path)."""
        api_hosts = (self.spec.hosts or self.spec_hosts) if self.spec is not None else set()
        out = []
        for (host, template, method), tally in sorted(self.tallies.items()):
            on_api = self.spec is not None and host in api_hosts
            undeclared = tuple(clean(f) for f in tally.undeclared)[:MAX_UNDECLARED] if on_api else ()
            out.append(Endpoint(
                method=clean(method), host=clean(host), path_template=clean(template), auth=tuple(sorted(tally.auth)),
                statuses=tuple(sorted(tally.statuses)), data_classes=tuple(sorted(tally.classes)),
                documented=(True in tally.documented) if on_api else None, undeclared_fields=undeclared,
                calls=tally.calls))
        return tuple(out)


def _places(finding: Finding) -> Iterator[Seen]:
    """Every place of a finding in a capture's entries, as the capture wrote it (a pointer masked
    for the report is not)."""
    pointer = finding.raw_pointer if finding.raw_pointer is not None else finding.location.pointer
    also_at = finding.raw_also_at if finding.raw_also_at is not None else finding.also_at
    for place in (pointer, *also_at):
        if place and place.startswith("/log/entries/"):
            yield Seen(finding.rule_id, finding.category, place)


@dataclass
class FromFindings:
    """What the inventory takes from a report's findings, gathered in one reading of them: a large
    capture's findings are read back from a spill (store/records.py), about 10 us each, and they
    were read three times (the files with entries, each file's places, the values to mask)."""

    with_entries: set[str] = field(default_factory=set)  # paths of the findings that sit in HAR entries
    seen: dict[str, list[Seen]] = field(default_factory=dict)  # by path
    known: list[tuple[str, MaskSpec]] = field(default_factory=list)  # values the inventory's strings must not show

    @classmethod
    def read(cls, findings: Iterable[Finding], masks: Mapping[str, Rule]) -> FromFindings:
        out = cls()
        for finding in findings:
            path = finding.location.path
            if (finding.location.pointer or "").startswith("/log/entries/"):
                out.with_entries.add(path)
            places = list(_places(finding))
            if places:
                out.seen.setdefault(path, []).extend(places)
            if finding.category in MASKED_CATEGORIES and finding.secret:
                rule = masks.get(finding.rule_id)
                out.known.append((finding.secret, rule.mask if rule is not None else MaskSpec()))
        return out


def load_spec(path: str, max_file_size: int) -> tuple[SpecIndex | None, str | None]:
    """An OpenAPI / Swagger document read as `scan --spec` reads it; (None, why) when it cannot be used."""
    try:
        mtime = os.path.getmtime(path)
    except OSError as exc:
        return None, f"cannot use --spec {path}: {exc.strerror or exc}"
    return against_spec._load_file(path, mtime, max_file_size)


def capture_entries(roots: Sequence[str], with_entries: set[str],
                    config: Config) -> Iterable[tuple[str, Iterable[Entry]]]:
    """(report path, entries) of every HAR among the scanned paths: files named `.har`, files named on
    the command line, and files whose findings sit in HAR entries (`with_entries`), when the HAR
    scanner claims them. A large capture is read block by block (`_streamed`): read again whole
    beside the report's findings, its bytes and text were the scan's peak."""
    for ref in walk_files(roots, config).refs:
        if not (ref.explicit or ref.display.lower().endswith(".har") or ref.display in with_entries):
            continue
        streamed = _streamed(ref, None if ref.explicit else config.max_file_size)  # named: any size streams
        if streamed is not None:
            yield ref.display, streamed
            continue
        loaded = read_file(ref, config.max_file_size)
        if not isinstance(loaded, LoadedFile):
            continue
        text = loaded.chunk.text
        del loaded  # its bytes
        scanner = document_scanner_for(ref.display, text)
        if scanner is not None and scanner.name == "har":
            yield ref.display, iter_entries(text)
        del text  # let go before the next file is read


def _streamed(ref: FileRef, limit: int | None) -> Iterator[Entry] | None:
    """The entries of a large UTF-8 HAR read block by block, or None to read it whole (small, over
    the limit, another encoding, not claimed by the HAR scanner on its first block, a word the
    OpenAPI scanner looks for anywhere in it, or no entries list within the first window)."""
    try:
        size = os.stat(ref.path).st_size
    except OSError:
        return None
    if size <= STREAM_FROM or (limit is not None and size > limit) \
            or plain_utf8_length(ref.path, OPENAPI_WORDS, CHECK_BLOCK) is None:
        return None
    reader = TextReader(file_blocks(ref.path))
    reader.more()  # a block of BLOCK characters: what the HAR scanner's test reads of a text
    scanner = document_scanner_for(ref.display, reader.buf)
    return streamed_entries(reader) if scanner is not None and scanner.name == "har" else None


def report_endpoints(roots: Sequence[str], report: Report, config: Config, spec: SpecIndex | None = None,
                     engine: Engine | None = None) -> tuple[Endpoint, ...]:
    """The inventory of the captures a report covers, from the report's own findings (and, with
    `scan --spec`, the spec compared). Every string is masked as the findings' places are: the
    values the scan found, and (given the engine) whatever a rule matches in the string itself."""
    if spec is None and config.capture_spec:
        spec, _ = load_spec(config.capture_spec, config.max_file_size)  # the scan reported why it could not
    inventory = Inventory(spec)
    found = FromFindings.read(report.findings, engine.by_id if engine is not None else {})
    for path, entries in capture_entries(roots, found.with_entries, config):
        inventory.add_entries(entries, found.seen.get(path, ()))
        del entries  # a text read whole: before the next capture is read, and the sanitizer below built
    return inventory.endpoints(Sanitizer(engine, found.known).clean)
