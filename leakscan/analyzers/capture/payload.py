"""The capture core: values of a request, a response or a JSON document, scanned together.

A capture scanner turns a document into `Item`s: one decoded value each (a
header, a cookie, a query parameter, a JSON string, a body) with its pointer,
its key and a site that maps it back to the file. `scan_items` renders the
items one per line the way they read in HTTP or JSON (`Authorization: Bearer
…`, `"email": "…"`), runs every rule over that text at once, hands each match
back to its item, adds the evidence only structure can give (the key names a
social security number; the value sits in a captured response), and asks the
structural analyzers (headers, cookies, URL parameters, key names) for what no
regex sees. `finalize` merges one value seen in several places into one
candidate listing the others, drops what is below the threshold and only then
computes lines and columns.
"""
from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from leakscan.analyzers.capture.sites import Site
from leakscan.analyzers.regions import phone_match
from leakscan.engine.matcher import MAX_MATCHES_PER_RULE
from leakscan.engine.pii_checks import RegionHint
from leakscan.model import Adjustment, Candidate, Origin, Rule
from leakscan.scoring import score

if TYPE_CHECKING:
    from leakscan.engine.context import Engine

MAX_LINE_TEXT = 2000


@dataclass(frozen=True)
class Item:
    value: str
    pointer: str | None  # None in plain text captures (raw HTTP dumps)
    site: Site
    where: str  # json | header | cookie | set-cookie | query | form | url | body | text
    key: str = ""
    parent_key: str = ""
    prefix: str = ""  # how the value reads in context: "Authorization: ", '"ssn": "'
    suffix: str = ""
    payload: bool = False  # inside captured traffic or logs (evidence for PII)
    response: bool = False
    channel: str = ""  # how reasons name the payload: "log"; default request/response
    extra: tuple[tuple[str, str], ...] = ()
    regions: tuple[RegionHint, ...] = ()  # where a national-format phone number may be from (analyzers/regions.py)


def derive(template: Item, **changes: object) -> Item:
    """`dataclasses.replace` for the hot path: a capture has hundreds of thousands
    of values and replace() costs five times as much. Item has no __post_init__."""
    item = object.__new__(Item)
    fields = item.__dict__
    fields.update(template.__dict__)
    fields.update(changes)
    return item


@dataclass(frozen=True)
class Context:
    engine: Engine
    path: str
    kind: str  # har | http | json | jsonl
    commit: str | None = None  # the commit and blob the document came from, in a history scan
    blob: str | None = None
    # Equal evidence is one tuple for the whole document: a capture's thousands of emails under an
    # `email` key in a response share one, not a reason string and an Adjustment each.
    evidence: dict[tuple[Adjustment, ...], tuple[Adjustment, ...]] = field(default_factory=dict, compare=False,
                                                                           repr=False)

    def rule(self, rule_id: str) -> Rule | None:
        """The rule, or None when disabled (analyzers then stay silent)."""
        return self.engine.by_id.get(rule_id)

    def shared(self, adjustments: tuple[Adjustment, ...]) -> tuple[Adjustment, ...]:
        return self.evidence.setdefault(adjustments, adjustments)


@dataclass
class Proto:
    """A candidate before its position is known (positions cost; most are dropped)."""

    rule: Rule
    secret: str
    item: Item
    start: int  # span in item.value
    end: int
    adjustments: list[Adjustment] = field(default_factory=list)
    display: str = ""

    def candidate(self, ctx: Context) -> Candidate:
        item = self.item
        line_text = _line_text(item, self.start)
        return Candidate(
            rule=self.rule, secret=self.secret,
            origin=Origin(kind=ctx.kind, path=ctx.path, commit=ctx.commit, blob=ctx.blob, pointer=item.pointer,
                          extra=item.extra),
            line=0, column=0, end_line=0, end_column=0, line_text=line_text, before="",
            adjustments=ctx.shared(tuple(self.adjustments)), display=self.display or _one_line(self),
        )


def _one_line(proto: Proto) -> str:
    """A multi-line trace is shown (masked) on one line."""
    if proto.rule.category == "stacktrace" and "\n" in proto.secret:
        return " ".join(proto.secret.split())
    return ""


def _line_text(item: Item, start: int) -> str:
    value = item.value
    line_start = value.rfind("\n", 0, start) + 1
    line_end = value.find("\n", start)
    for _ in range(3):  # up to four lines, as the text scanner keeps
        if line_end < 0:
            break
        following = value.find("\n", line_end + 1)
        line_end = following
    text = value[line_start:] if line_end < 0 else value[line_start:line_end]
    prefix = item.prefix if line_start == 0 else ""
    return (prefix + text)[:MAX_LINE_TEXT]


# ---- matching -----------------------------------------------------------------

def render(items: Sequence[Item]) -> tuple[str, list[int]]:
    starts, parts, at = [], [], 0
    for item in items:
        starts.append(at)
        piece = item.prefix + item.value + item.suffix
        parts.append(piece)
        at += len(piece) + 1
    return "\n".join(parts), starts


def match_items(items: Sequence[Item], ctx: Context) -> list[list[Proto]]:
    """Every rule over the rendered items; matches handed back to their item.

    The engine's cap on matches of one rule (a minified bundle full of look-alikes) holds for each
    value, not for the batch: a log's 500 records, or a response listing a thousand users, hold more
    than MAX_MATCHES_PER_RULE emails between them, and all of them are findings."""
    per_item: list[list[Proto]] = [[] for _ in items]
    if not items:
        return per_item
    text, starts = render(items)
    matcher = ctx.engine.matcher
    per_value: Counter[tuple[int, str]] = Counter()
    for m in matcher.find(text, ctx.path, cap=MAX_MATCHES_PER_RULE * len(items)):
        i = bisect.bisect_right(starts, m.start) - 1
        per_value[i, m.rule.id] += 1
        if per_value[i, m.rule.id] > MAX_MATCHES_PER_RULE:
            matcher.note_capped(m.rule, ctx.path, where=" in one value")
            continue
        item = items[i]
        value_start = starts[i] + len(item.prefix)
        start = max(m.start, value_start) - value_start
        end = min(m.end, value_start + len(item.value)) - value_start
        if end <= start:
            continue  # the match lies in the rendered key, not in the value
        # Clamped to the value: a pattern may run into the rendered quote or the next line.
        # Inline ignores are applied (and counted) with the findings: pipeline._scored_findings.
        per_item[i].append(Proto(m.rule, item.value[start:end], item, start, end))
    return per_item


# ---- evidence from structure ----------------------------------------------------

PAYLOAD_BONUS = 0.2
KEY_MATCH = 0.3
IDENTIFIER_KEY = -0.3
CHECKSUM_UNDER_IDENTIFIER = -0.5


def rule_kind(rule: Rule) -> str | None:
    """The sensitive-field kind a PII rule detects, by id convention:
    `pii.<kind>[.variant]` and `field.<kind>` (`pii.card-number` → card_number)."""
    head, _, rest = rule.id.partition(".")
    if head in ("pii", "field") and rest:
        return rest.split(".", 1)[0].replace("-", "_")
    return None


NOT_A_CREDENTIAL = -0.3


def evidence(protos: list[Proto], item: Item, kind: str | None, identifier: bool, harmless_key: bool = False) -> None:
    """Key names and payload context move PII confidence, Presidio-style; a key
    that names an anti-forgery or pagination token demotes generic secret rules."""
    for proto in protos:
        if harmless_key and proto.rule.is_generic:
            proto.adjustments.append(Adjustment(f"key name {item.key!r} names a per-request or paging value",
                                                NOT_A_CREDENTIAL))
        if proto.rule.category != "pii" or not proto.rule.id.startswith("pii."):
            continue
        if kind is not None and rule_kind(proto.rule) == kind:
            proto.adjustments.append(Adjustment(f"key name {item.key!r} says {kind.replace('_', ' ')}", KEY_MATCH))
        elif kind is None and identifier:
            proto.adjustments.append(Adjustment(f"key name {item.key!r} names an identifier", IDENTIFIER_KEY))
            if proto.rule.validator == "card_pan":  # order and tracking numbers carry Luhn check digits too
                proto.adjustments.append(Adjustment("a check digit under an id key proves an id, not a card",
                                                    CHECKSUM_UNDER_IDENTIFIER))
        if proto.rule.validator == "phone_number":  # which region, and the capture's regions tried too
            proto.rule, found = phone_match(proto.rule, proto.secret, item.regions)
            proto.adjustments.extend(found)
        if item.payload:
            where = item.channel or ("response" if item.response else "request")
            proto.adjustments.append(Adjustment(f"in a captured {where}", PAYLOAD_BONUS))


# ---- merging and positions ----------------------------------------------------------

def finalize(protos: Sequence[Proto], ctx: Context) -> list[Candidate]:
    """One candidate per distinct value, whatever rule saw it (its other places in `also_at`), the
    threshold applied, positions computed for what is kept."""
    placed = Placed(ctx, keep_items=True)
    placed.add(protos)
    return placed.candidates()


Span = tuple[int, int, int, int]  # line, column, end line, end column (0s: no position)
# What Placed holds of a place: (confidence, place) when it cannot be its value's finding, else one flat
# tuple (confidence, place, proto or None, rule, secret, pointer, extra, line_text, adjustments, display,
# line, column, end line, end column): the candidate's own fields, not a Candidate and an Origin each, nor a
# tuple for its fields and another for its span (a capture holds a hundred thousand). With keep_items, the
# proto is kept and positions are found at the end.
_Member = tuple[Any, ...]


class Placed:
    """`finalize` in two halves, for a document read piece by piece (a HAR's entries): each proto
    becomes its candidate, confidence, place and (when it can be kept) position as it comes, and lets
    go of its item, so what a scan holds is its findings, not the values and bodies they came from.
    `keep_items`: positions are computed at the end, for the kept place of each value only."""

    def __init__(self, ctx: Context, keep_items: bool = False) -> None:
        self.ctx = ctx
        self.threshold = ctx.engine.config.min_confidence
        self.keep_items = keep_items
        self.groups: dict[str, _Member | list[_Member]] = {}  # a value seen once (most are) has no list
        self._best: dict[str, float] = {}  # the highest confidence so far of each value seen more than once

    def add(self, protos: Iterable[Proto]) -> None:
        ctx, threshold, best, groups = self.ctx, self.threshold, self._best, self.groups
        for proto in protos:
            candidate = proto.candidate(ctx)
            confidence = score(candidate).confidence
            value = _same_value(proto.secret)
            held = groups.get(value)
            if held is None:
                prior = -1.0
            elif isinstance(held, list):
                prior = best[value]
            else:
                prior = held[0] if len(held) > 2 else -1.0  # a place that could win was the best so far
            # Only the most confident place of a value is positioned (the first of equals), and only
            # when it is kept: a place that cannot be that one (a cookie sent again) is never positioned.
            can_win = confidence >= threshold and confidence > prior
            member: _Member = (confidence, _place(proto, ctx))
            if can_win:
                kept, span = (proto, (0, 0, 0, 0)) if self.keep_items else (None, _span(proto))
                member = (*member, kept, *_fields(candidate), *span)
            if held is None:
                groups[value] = member
                continue
            if isinstance(held, list):
                held.append(member)
            else:
                groups[value] = [held, member]
            best[value] = confidence if can_win else prior

    def candidates(self) -> list[Candidate]:
        """Once: each value's group is let go as its candidate is made (a capture holds one or the other)."""
        out: list[Candidate] = []
        groups, self.groups = self.groups, {}
        for value in list(groups):
            held = groups.pop(value)
            members = held if isinstance(held, list) else [held]
            # The most confident, the first of equals: a place that can win, so it has its fields.
            best = max(members, key=lambda m: m[0])
            if best[0] < self.threshold or len(best) == 2:
                continue
            here = best[1]
            others: dict[str, None] = {}  # ordered and deduplicated
            for member in members:
                if member[1] != here:
                    others[member[1]] = None
            # Every place, however many (a cookie sent with each request): `leakscan mask` rewrites them all.
            out.append(_positioned(self.ctx, best, tuple(others)))
        return out


def _same_value(secret: str) -> str:
    """Values compare decoded: `p%40ss` in a form body is `p@ss` in its params[]."""
    return unquote_plus(secret) if "%" in secret else secret


def _place(proto: Proto, ctx: Context) -> str:
    if proto.item.pointer is not None:
        return proto.item.pointer
    position = proto.item.site.position(proto.start)
    return f"{ctx.path}:{position[0] if position else '?'}"


def _span(proto: Proto) -> Span:
    start = proto.item.site.position(proto.start)
    end = proto.item.site.position(proto.end) or start
    return (0, 0, 0, 0) if start is None or end is None else (*start, *end)


def _fields(candidate: Candidate) -> tuple[Any, ...]:
    return (candidate.rule, candidate.secret, candidate.origin.pointer, candidate.origin.extra, candidate.line_text,
            candidate.adjustments, candidate.display)


def _positioned(ctx: Context, member: _Member, also_at: tuple[str, ...]) -> Candidate:
    """The candidate Proto.candidate made, at its position (0s when it has none) with its other places."""
    _, _, proto, rule, secret, pointer, extra, line_text, adjustments, display, *span = member
    line, column, end_line, end_column = _span(proto) if proto is not None else span
    return Candidate(
        rule=rule, secret=secret,
        origin=Origin(kind=ctx.kind, path=ctx.path, commit=ctx.commit, blob=ctx.blob, pointer=pointer, extra=extra),
        line=line, column=column, end_line=end_line, end_column=end_column, line_text=line_text, before="",
        adjustments=adjustments, also_at=also_at, display=display,
    )
