"""A capture's findings put back on its entries: which data classes each request and response carried, where."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from leakscan.analyzers.traffic.vocab import vocabulary

_PLACE = re.compile(r"^/log/entries/(\d+)/(request|response)(?:/([A-Za-z_]+)(?:/(\d+))?)?")


@dataclass(frozen=True, slots=True)
class Seen:
    """One finding (its rule and category) at one place of a capture."""

    rule_id: str
    category: str
    pointer: str
    secret: str = field(default="", repr=False)  # the value, to search for elsewhere; never reported


@dataclass(frozen=True, slots=True)
class Spot:
    data_class: str
    rule_id: str
    side: str  # request | response
    part: str  # url, headers, cookies, queryString, postData, content...
    index: int | None  # the header, cookie or parameter number
    pointer: str  # the place itself (`#` and an inner pointer inside a JSON body)
    secret: str = field(default="", repr=False)


@dataclass
class EntryData:
    spots: list[Spot] = field(default_factory=list)

    def classes(self, side: str) -> set[str]:
        return {s.data_class for s in self.spots if s.side == side}

    def sensitive(self, side: str) -> list[Spot]:
        vocab = vocabulary()
        return [s for s in self.spots if s.side == side and vocab.is_sensitive(s.data_class)]


def by_entry(seen: Iterable[Seen]) -> dict[int, EntryData]:
    """Findings grouped by the entry each place of theirs is in (a value seen in several entries counts in each)."""
    vocab = vocabulary()
    out: dict[int, EntryData] = {}
    words: dict[str, str] = {}  # one "response", one "content"... for a capture's hundred thousand spots
    for item in seen:
        data_class = vocab.data_class(item.rule_id, item.category)
        match = _PLACE.match(item.pointer) if data_class else None
        if match is None or data_class is None:
            continue
        index = int(match.group(4)) if match.group(4) else None
        side, part = match.group(2), match.group(3) or ""
        out.setdefault(int(match.group(1)), EntryData()).spots.append(
            Spot(data_class, item.rule_id, words.setdefault(side, side), words.setdefault(part, part), index,
                 item.pointer, item.secret))
    return out


@dataclass(frozen=True)
class Exposure:
    """What an exposure check found, before it is a candidate: its rule, a label that names the
    problem (never a value: it is what the report shows), the place and the value there."""

    rule_id: str
    label: str
    pointer: str  # a HAR pointer without `#`: the URL, a header value
    value: str = field(repr=False)  # the string at the pointer (for the span), never shown
    reasons: tuple[tuple[str, float], ...]
    entry: str  # "#3 GET https://…", as capture findings name their entry
