"""HAR captures scanned, then checked for exposure: the capture scanner's findings are the evidence.

This scanner takes the HAR scanner's place in the registry (under its name,
whichever of the two modules is imported first): it runs the HAR
scanner, puts the findings back on their entries (which response carries an
email, which request a token), reads the entries' headers once more as they
stream by, and adds `exposure` candidates: data returned without
authentication or without `Cache-Control: no-store`, session cookies without
their flags, permissive CORS, credentials over plain http, and data sent to
third-party hosts.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from leakscan.analyzers.capture.jsondoc import Doc
from leakscan.analyzers.capture.payload import Context, Item, Proto, finalize
from leakscan.analyzers.capture.sites import EntrySite, FileSite, NoSite, PinnedSite, Site
from leakscan.analyzers.registry import DocumentResult, register
from leakscan.analyzers.traffic import cookies, cors, sensitive, third_party
from leakscan.analyzers.traffic.auth import NONE, auth_kinds, session_cookie_values
from leakscan.analyzers.traffic.exchange import (
    Exchange,
    entries_at,
    exchange_of,
    page_titles,
    streamed_entries,
    streamed_entry_texts,
    streamed_page_titles,
)
from leakscan.analyzers.traffic.party import decide_first_party, is_third_party
from leakscan.analyzers.traffic.places import EntryData, Exposure, Seen, by_entry
from leakscan.model import Adjustment, Candidate, Chunk, Origin
from leakscan.sources.jsonstream import TextReader

if TYPE_CHECKING:
    from leakscan.analyzers.capture.har import Blocks, HarScanner
    from leakscan.engine.context import Engine

EXPOSURE_RULES = (cookies.RULE, cors.RULE, sensitive.UNAUTHENTICATED, sensitive.CACHEABLE, sensitive.PLAIN_HTTP,
                  third_party.RULE)
# Browsers export "sanitized" HARs by default (Chrome drops Cookie, Set-Cookie and Authorization):
# when no request of the capture carries credentials, their absence proves little.
STRIPPED = ("no request in the capture carries credentials or sets a cookie: the export may have removed "
            "them (a sanitized HAR)", -0.3)
FIRST_ENTRIES = 20  # entries read before the first party is decided (the page loads first)


class ExposureChecks:
    """The checks over one capture's exchanges, streamed; third-party requests are kept to the end,
    when every first-party session value and secret is known."""

    def __init__(self, entries: Mapping[int, EntryData], first_party: str | None, how: str,
                 secrets_by_entry: Mapping[int, Collection[str]]) -> None:
        self.entries, self.first_party, self.how = entries, first_party, how
        self.secrets_by_entry = secrets_by_entry
        self.first_entries: list[int] = []  # their secrets are the first party's (one set made at the end)
        self.sessions: set[str] = set()
        self.third: list[tuple[Exchange, EntryData | None]] = []  # with their entry's data, made once
        self.found: list[Exposure] = []
        self.credentials_seen = False  # any request with credentials, or any cookie set

    def add(self, exchange: Exchange) -> None:
        data = self.entries.get(exchange.index)
        if not self.credentials_seen and (exchange.set_cookies or auth_kinds(exchange) != (NONE,)):
            self.credentials_seen = True
        self.found.extend(cookies.cookie_exposures(exchange, data))
        self.found.extend(cors.cors_exposures(exchange, self.first_party))
        self.found.extend(sensitive.unauthenticated_exposures(exchange, data))
        self.found.extend(sensitive.cache_exposures(exchange, data))
        self.found.extend(sensitive.plain_http_exposures(exchange, data))
        if is_third_party(exchange.host, self.first_party):
            self.third.append((exchange, data))
        else:
            self.first_entries.append(exchange.index)
            self.sessions.update(session_cookie_values(exchange))

    def finish(self) -> list[Exposure]:
        if not self.credentials_seen:  # nothing authenticated anywhere: stripped on export, or a public site
            self.found = [replace(e, reasons=(*e.reasons, STRIPPED)) if e.rule_id == sensitive.UNAUTHENTICATED else e
                          for e in self.found]
        if self.first_party:
            secrets = frozenset(itertools.chain.from_iterable(self.secrets_by_entry.get(index, ())
                                                              for index in self.first_entries))
            first = third_party.FirstParty(self.first_party, self.how, secrets,
                                           frozenset(self.sessions))
            for exchange, data in self.third:
                self.found.extend(third_party.third_party_exposures(exchange, data, first))
        return self.found


def exposures(text: str, candidates: Collection[Candidate], override: str | None,
              starts: dict[int, int] | None = None) -> list[Exposure]:
    """The exposure checks over a HAR's text, given the scan's candidates; `starts` receives
    where each entry begins in the text."""
    exchanges = (x for i, at, e in entries_at(text) if (x := exchange_of(i, e, at)) is not None)
    return checked_exchanges(exchanges, lambda: page_titles(text), candidates, override, starts)


def streamed_exposures(blocks: Blocks, candidates: Collection[Candidate], override: str | None,
                       checked: set[int]) -> list[Exposure] | None:
    """`exposures` of a HAR read block by block (`blocks()` reads it from the start each time); `checked`
    receives the index of each entry checked. None when its first window does not show the entries."""
    entries = streamed_entries(TextReader(blocks()))
    if entries is None:
        return None
    exchanges = (x for i, e in entries if (x := exchange_of(i, e)) is not None)
    starts: dict[int, int] = {}
    found = checked_exchanges(exchanges, lambda: streamed_page_titles(TextReader(blocks())), candidates, override,
                              starts)
    checked.update(starts)
    return found


def checked_exchanges(exchanges: Iterator[Exchange], titles: Callable[[], list[str]],
                      candidates: Collection[Candidate], override: str | None,
                      starts: dict[int, int] | None = None) -> list[Exposure]:
    """The exposure checks over a HAR's exchanges (`titles`: its pages' titles, asked once)."""
    places = _EntryPlaces(candidates)
    head: list[Exchange] = []
    for exchange in exchanges:
        head.append(exchange)
        if len(head) >= FIRST_ENTRIES:
            break
    domain, how = decide_first_party(override, titles(), [e.url for e in head if "html" in e.response_mime],
                                     [h for e in head for h in (e.header("origin"), e.header("referer")) if h],
                                     [e.host for e in head])
    checks = ExposureChecks(places, domain, how, places.secrets)
    for exchange in itertools.chain(head, exchanges):  # streamed: exchanges are let go once checked
        checks.add(exchange)
        if starts is not None:
            starts[exchange.index] = exchange.offset
    return checks.finish()


class _EntryPlaces(Mapping[int, EntryData]):
    """`by_entry` of the candidates' places, each entry's made when the checks ask for it: a capture's
    hundred thousand places are each a candidate and a pointer here (two references in a list), not a
    Spot held from the first entry checked to the last. `secrets`: each entry's values, in order."""

    def __init__(self, candidates: Collection[Candidate]) -> None:
        self._places: dict[int, list[Candidate | str]] = {}  # entry -> candidate, place, candidate, place...
        for candidate in candidates:
            for place in (candidate.origin.pointer, *candidate.also_at):
                if place and place.startswith("/log/entries/"):
                    index = place.split("/", 4)[3]
                    if index.isdigit():
                        self._places.setdefault(int(index), []).extend((candidate, place))
        self.secrets = _EntrySecrets(self._places)

    def _seen(self, index: int) -> Iterator[Seen]:
        places = self._places.get(index, [])
        for at in range(0, len(places), 2):
            candidate, place = places[at], places[at + 1]
            assert isinstance(candidate, Candidate) and isinstance(place, str)
            yield Seen(candidate.rule.id, candidate.rule.category, place, candidate.secret)

    def __getitem__(self, index: int) -> EntryData:
        return by_entry(self._seen(index))[index]

    def __iter__(self) -> Iterator[int]:
        return iter([index for index in self._places if index in self])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, index: object) -> bool:
        return isinstance(index, int) and index in by_entry(self._seen(index))


class _EntrySecrets(Mapping[int, Collection[str]]):
    """Each entry's candidate values (one per place in it, in order)."""

    def __init__(self, places: Mapping[int, list[Candidate | str]]) -> None:
        self._places = places

    def __getitem__(self, index: int) -> list[str]:
        places = self._places[index]
        return [candidate.secret for candidate in places[::2] if isinstance(candidate, Candidate)]

    def __iter__(self) -> Iterator[int]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)


class _Places:
    """Sites for pointers inside entries, each entry's JSON read from where it starts: a fresh
    walk from the top of a large HAR would skip over every entry before it."""

    def __init__(self, text: str, starts: Mapping[int, int]) -> None:
        self.text, self.starts, self.file = text, starts, FileSite(text)
        self.docs: dict[int, Doc] = {}

    def site(self, pointer: str) -> Site:
        at = _entry_index(pointer)
        start = self.starts.get(at[0], -1) if at is not None else -1
        if at is None or start < 0:
            return NoSite()
        doc = self.docs.get(start)
        if doc is None:
            doc = self.docs[start] = Doc(self.text, self.file, offset=start)
        return doc.value_site(at[1], "string")


def _entry_index(pointer: str) -> tuple[int, str] | None:
    """The entry index and the pointer inside the entry of `/log/entries/N/...`."""
    parts = pointer.split("/", 4)  # "", "log", "entries", N, the rest
    return (int(parts[3]), "/" + parts[4]) if len(parts) == 5 and parts[3].isdigit() else None


def streamed_sites(blocks: Blocks, found: Iterable[Exposure], checked: set[int]) -> dict[str, Site] | None:
    """The site of each exposure's value in a HAR read block by block, as `_Places` finds it in the whole
    text: a third read, holding only the entries that have an exposure, each while its sites are resolved
    (their positions kept, the entry's text let go). None as `streamed_entries`."""
    wanted: dict[int, dict[str, int]] = {}  # entry -> pointer inside it -> the value's length
    for exposure in found:
        at = _entry_index(exposure.pointer)
        if at is not None and at[0] in checked:
            wanted.setdefault(at[0], {})[at[1]] = len(exposure.value)
    members = streamed_entry_texts(TextReader(blocks()), wanted)
    if members is None:
        return None
    sites: dict[str, Site] = {}
    for member in members:
        doc = Doc(member.text, EntrySite(member.text, member.line, member.offset - member.line_start + 1))
        for local, length in wanted[member.index].items():
            sites[f"/log/entries/{member.index}{local}"] = PinnedSite(doc.value_site(local, "string"), (0, length))
    return sites


def _protos(found: Iterable[Exposure], site_of: Callable[[str], Site], ctx: Context) -> Iterator[Proto]:
    for exposure in found:
        rule = ctx.rule(exposure.rule_id)
        if rule is None:  # disabled
            continue
        item = Item(value=exposure.value, pointer=exposure.pointer, site=site_of(exposure.pointer),
                    where="exposure", payload=True, extra=(("entry", exposure.entry),))
        yield Proto(rule, exposure.label, item, 0, len(exposure.value),
                    [Adjustment(why, delta) for why, delta in exposure.reasons], display=exposure.label)


class TrafficHarScanner:
    """The HAR scanner, with the exposure checks after it."""

    name = "har"
    _inner: HarScanner | None = None

    @property
    def inner(self) -> HarScanner:
        # Imported on first use: importing capture.har registers the plain scanner, which this one replaces.
        if self._inner is None:
            from leakscan.analyzers.capture.har import HarScanner

            self._inner = HarScanner()
        return self._inner

    def accepts(self, path: str, text: str) -> bool:
        return self.inner.accepts(path, text)

    def could_accept(self, path: str, data: bytes, ends: Mapping[bytes, int]) -> bool:
        return self.inner.could_accept(path, data, ends)

    def scan(self, chunk: Chunk, engine: Engine) -> DocumentResult:
        result = self.inner.scan(chunk, engine)
        if not any(engine.by_id.get(rule_id) for rule_id in EXPOSURE_RULES):
            return result
        origin = chunk.origin
        ctx = Context(engine, origin.path, "har", origin.commit, origin.blob)
        override: Any = getattr(engine.config, "first_party", None)
        starts: dict[int, int] = {}
        found = exposures(chunk.text, result.candidates, override if isinstance(override, str) else None, starts)
        # Each candidate's "secret" is its label (one per problem and endpoint: fingerprints, baselines
        # and history de-duplication tell them apart); the rules' plain mask style shows it as it is.
        checked = finalize(list(_protos(found, _Places(chunk.text, starts).site, ctx)), ctx)
        return DocumentResult(result.candidates + tuple(checked), result.errors)

    def scan_file(self, origin: Origin, blocks: Blocks, engine: Engine) -> DocumentResult | None:
        """`scan` of a large HAR read from its file block by block (`blocks()` reads it from the start),
        never held whole: the HAR scanner's walk, then the entries read again for the exposure checks and,
        for the entries with an exposure, once more for its position. None where `scan` must read it whole."""
        result = self.inner.scan_file(origin, blocks, engine)
        if result is None or not any(engine.by_id.get(rule_id) for rule_id in EXPOSURE_RULES):
            return result
        ctx = Context(engine, origin.path, "har", origin.commit, origin.blob)
        override: Any = getattr(engine.config, "first_party", None)
        checked: set[int] = set()
        found = streamed_exposures(blocks, result.candidates, override if isinstance(override, str) else None, checked)
        sites = streamed_sites(blocks, found, checked) if found is not None else None
        if found is None or sites is None:
            return None
        protos = list(_protos(found, lambda pointer: sites.get(pointer) or NoSite(), ctx))
        return DocumentResult(result.candidates + tuple(finalize(protos, ctx)), result.errors)


TRAFFIC_HAR = register(TrafficHarScanner(), replacing=True)
