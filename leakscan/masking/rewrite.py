"""`leakscan mask`: a sanitized copy of a capture with every finding masked.

The file is scanned as usual; each finding (and each other place its value
was seen, `also_at`) says where to rewrite. Structured files are rewritten
structurally, so a HAR stays a HAR with the same entries, a JSON body inside
a HAR stays JSON, a base64 body is decoded, masked and encoded again, and a
number (a card number sent as a JSON number) becomes its masked string.
Text files (raw HTTP dumps, plain logs) are rewritten in place, with the
value's JSON-escaped and URL-encoded forms too.

Modes: `mask` writes each finding's masked value (`***-**-6789`,
`j***@example.com`, `ghp_****…`); `redact` writes `[REDACTED]`; `hash` writes
`[REDACTED:sha256:<12 hex>]`, an HMAC under a key drawn for this run, so
equal values stay equal inside the copy without the hash being reversible by
guessing (and every scanner still reads it as a redaction).
Stack traces become `[stack trace removed]` in every mode.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

from leakscan.engine.placeholders import placeholder_reason
from leakscan.masking.form_index import LONG, FormIndex, present_starts
from leakscan.model import Finding

MODES = ("mask", "redact", "hash")
TRACE_REPLACEMENT = "[stack trace removed]"
SHORT = 6  # values this short are only replaced at their own places in text files
FIND_HEADS = 64  # forms starting so many ways or fewer are each found by str.find (see _places_of)
KEYS_REMEMBERED = 1 << 14  # keys whose replacements a rewriter remembers before it starts again


@dataclass(frozen=True)
class Replacement:
    secret: str
    text: str
    category: str


@dataclass
class Plan:
    """What to write where: JSON pointers (with `#` levels) and, for text, line numbers."""

    at_pointer: dict[str, list[Replacement]] = field(default_factory=dict)
    at_line: dict[int, list[Replacement]] = field(default_factory=dict)
    everywhere: list[Replacement] = field(default_factory=list)
    places: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    # `everywhere` indexed by its values' forms (True) or the values as they are (False), with the length
    # of `everywhere` each was built for.
    _indexes: dict[bool, tuple[int, FormIndex]] = field(default_factory=dict, repr=False, compare=False)

    def everywhere_in(self, text: str, any_form: bool) -> list[Replacement]:
        """The replacements of `everywhere`, in order, that TEXT holds: in one of their forms, or as they are.
        Only those an index names are tried (masking/form_index.py): trying each on each string was quadratic."""
        reps = self.everywhere
        built = self._indexes.get(any_form)
        if built is None or built[0] != len(reps):
            index = FormIndex((_forms(r.secret) if any_form else (r.secret,) for r in reps), SHORT)
            built = self._indexes[any_form] = (len(reps), index)
        held = [reps[i] for i in built[1].candidates(text)]  # (in order: `everywhere`'s is the masking order)
        return [r for r in held if written_in(text, r)] if any_form else [r for r in held if r.secret in text]

    def prefixes(self) -> set[str]:
        """Every pointer on the way to a planned one (`/a`, `/a/b`, `/a/b#`, `/a/b#/c`)."""
        out = {""}
        for pointer in self.at_pointer:
            parts = pointer.split("#")
            base = ""
            for level, part in enumerate(parts):
                tokens = part.split("/")[1:] if part else []
                for token in tokens:
                    base += "/" + token
                    out.add(base)
                if level < len(parts) - 1:
                    base += "#"
                    out.add(base)
        return out


def replacement_text(finding: Finding, mode: str, key: bytes) -> str:
    if finding.category == "stacktrace":
        return TRACE_REPLACEMENT
    if mode == "redact":
        return "[REDACTED]"
    if mode == "hash":
        digest = hmac.new(key, finding.secret.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
        return f"[REDACTED:sha256:{digest[:12]}]"
    return finding.masked


def plan_for(findings: Iterable[Finding], mode: str, key: bytes | None = None) -> Plan:
    key = key if key is not None else os.urandom(16)
    plan = Plan()
    everywhere: set[Replacement] = set()  # (a list's `in` made a capture's 160,000 emails quadratic)
    for finding in findings:
        if not finding.secret:
            continue
        rep = Replacement(finding.secret, replacement_text(finding, mode, key), finding.category)
        places = _places(finding)
        plan.by_category[finding.category] = plan.by_category.get(finding.category, 0) + 1
        plan.places += len(places)
        if len(rep.secret) >= SHORT and rep not in everywhere:
            everywhere.add(rep)
            plan.everywhere.append(rep)  # text files: wherever it is written
        for place in places:
            if place.startswith(("/", "#")):
                plan.at_pointer.setdefault(place, []).append(rep)
            line = place.rsplit(":", 1)[-1] if ":" in place and not place.startswith(("/", "#")) else ""
            if line.isdigit():
                plan.at_line.setdefault(int(line), []).append(rep)
        if finding.location.line:
            plan.at_line.setdefault(finding.location.line, []).append(rep)
    return plan


def _places(finding: Finding) -> list[str]:
    """Where the value is, unmasked: a report masks a pointer through a key that is a token, `mask` may not."""
    pointer = finding.raw_pointer if finding.raw_pointer is not None else finding.location.pointer
    also_at = finding.raw_also_at if finding.raw_also_at is not None else finding.also_at
    return [pointer or f":{finding.location.line}", *also_at]


# Keys whose values are secrets however weak they look: a password scored 0.45 is still a password.
SECRET_NAME = re.compile(r"(?i)pass(word|wd|phrase)?|pwd|secret|token|api[-_.]?key|apikey|auth|credential|"
                         r"private[-_.]?key|session|cookie|signature|\bsig\b|\bpin\b|\bcvv|\bcvc")
BELOW_THRESHOLD_FLOOR = 0.01  # a weak password (`qwerty`: 0.2) is still the password that was sent
# Values that stand for no value at all: a copy keeps them so it still reads as the capture did.
NOT_A_VALUE = frozenset({"template or variable reference", "environment or vault lookup"})


def secret_named_below(findings: Iterable[Finding], threshold: float) -> list[Finding]:
    """Findings under the report threshold that are secrets by their key's (or their rule's) name."""
    out = []
    for finding in findings:
        if finding.confidence >= threshold or finding.category not in ("secret", "url-token"):
            continue
        pointer = finding.raw_pointer if finding.raw_pointer is not None else finding.location.pointer
        key = (pointer or "").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if (SECRET_NAME.search(key) or SECRET_NAME.search(finding.rule_id)) \
                and placeholder_reason(finding.secret) not in NOT_A_VALUE:
            out.append(finding)
    return out


def merge(plan: Plan, more: Plan) -> Plan:
    """One summary for several passes."""
    plan.places += more.places
    for category, count in more.by_category.items():
        plan.by_category[category] = plan.by_category.get(category, 0) + count
    return plan


# ---- strings --------------------------------------------------------------------------

@functools.lru_cache(maxsize=1 << 12)
def _forms(value: str) -> tuple[str, ...]:
    """How a value may be written: as is, JSON-escaped (once, or twice for a JSON
    body inside a HAR read as text), URL-encoded. Same order for every value.
    (Remembered for the last few thousand values: a copy asks for one value's forms
    three or four times in a row, for its place, its key, and its replacement.)"""
    escaped = json.dumps(value, ensure_ascii=False)[1:-1]
    twice = json.dumps(escaped, ensure_ascii=False)[1:-1]
    return (value, escaped, json.dumps(value)[1:-1], escaped.replace("/", "\\/"), twice,
            quote(value, safe=""), quote_plus(value, safe=""),
            # A value the scanner read with `+` as a space (a query parameter decoded once too often).
            value.replace(" ", "+"))


def written_in(text: str, rep: Replacement) -> bool:
    return any(form and form in text for form in _forms(rep.secret))


def replace_in(text: str, reps: Iterable[Replacement]) -> str:
    """Every form of every replacement written in TEXT replaced, in one pass over it. Where two places
    overlap, the one masked first wins: the longer value, then its forms in order (as replacing each
    form in turn over the whole text did, at a pass per value: a 1 MB dump of 16,000 emails took
    16,000 passes). Text a replacement wrote is never searched again."""
    table = _form_table(reps)
    if not table:
        return text
    places = sorted(_places_of(text, table))  # (rank, start, end, target): the first-masked first
    taken = bytearray(len(text))  # 1 where a place masked before covers the character
    kept: list[tuple[int, int, str]] = []
    for _, start, end, target in places:
        if taken.find(1, start, end) >= 0:
            continue  # overlaps a place masked before it
        taken[start:end] = b"\x01" * (end - start)
        kept.append((start, end, target))
    out, last = [], 0
    for start, end, target in sorted(kept):
        out.append(text[last:start])
        out.append(target)
        last = end
    out.append(text[last:])
    return "".join(out)


def _form_table(reps: Iterable[Replacement]) -> dict[str, tuple[int, str]]:
    """Each form -> (rank, what replaces it): ranked as they are masked, the longest value first; a form two
    values share belongs to the first."""
    table: dict[str, tuple[int, str]] = {}
    rank = 0
    for rep in sorted(reps, key=lambda r: -len(r.secret)):
        for form, target in zip(_forms(rep.secret), _forms(rep.text), strict=False):
            if form and form not in table:
                table[form] = (rank, target)
            rank += 1
    return table


def _places_of(text: str, table: dict[str, tuple[int, str]]) -> list[tuple[int, int, int, str]]:
    """Every place a form of TABLE is written in TEXT (overlapping ones too): each position's first
    characters looked up among the forms', then the forms that start so compared in full."""
    width = min(min(map(len, table)), LONG)
    by_start: dict[str, list[str]] = {}
    for form in table:
        by_start.setdefault(form[:width], []).append(form)
    places: list[tuple[int, int, int, str]] = []

    def add(at: int, forms: list[str]) -> None:
        for form in forms:
            if text.startswith(form, at):
                rank, target = table[form]
                places.append((rank, at, at + len(form), target))

    heads = present_starts(text, width, by_start.keys())
    if len(heads) <= FIND_HEADS:  # a few: each found by str.find, in C
        for head in heads:
            at = text.find(head)
            while at >= 0:
                add(at, by_start[head])
                at = text.find(head, at + 1)
    else:  # many (a dump's thousands of emails): one look at each position, not a pass each
        for at in range(len(text) - width + 1):
            forms = by_start.get(text[at:at + width])
            if forms is not None:
                add(at, forms)
    return places


# ---- structured documents -----------------------------------------------------------------

class JsonRewriter:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.prefixes = plan.prefixes()
        # The replacements each key holds (keys repeat in every record; the plan does not change).
        self._in_key: dict[str, list[Replacement]] = {}

    def node(self, value: Any, pointer: str, key: str = "") -> Any:
        """`key`: the object key `value` sits under; a secret found in the key renames the key instead."""
        if pointer not in self.prefixes and not self.plan.everywhere:
            return value
        reps = [r for r in self.plan.at_pointer.get(pointer, []) if not (key and written_in(key, r))]
        if isinstance(value, dict):
            if reps:
                return TRACE_REPLACEMENT if any(r.category == "stacktrace" for r in reps) else reps[0].text
            base64_text = str(value.get("encoding", "")).lower() == "base64"
            out: dict[str, Any] = {}
            for k, v in value.items():
                child = f"{pointer}/{_escape(k)}"
                rewritten = (self._base64(v, child) if base64_text and k == "text" and isinstance(v, str)
                             else self.node(v, child, k))
                out[self._key(k, child, out)] = rewritten
            return _resize(value, out, base64_text)
        if isinstance(value, list):
            if reps:
                return TRACE_REPLACEMENT if any(r.category == "stacktrace" for r in reps) else reps[0].text
            return [self.node(v, f"{pointer}/{i}") for i, v in enumerate(value)]
        if isinstance(value, str):
            return self.string(value, pointer, key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = repr(value) if isinstance(value, float) else str(value)
            hit = next((r.text for r in reps if r.secret == text), None)
            return hit if hit is not None else value
        return value

    def string(self, value: str, pointer: str, key: str = "") -> str:
        if pointer + "#" in self.prefixes:
            inner = _json_or_none(value)
            if inner is not None:
                rewritten = self.node(inner, pointer + "#")
                value = _dump_like(rewritten, value)
        # A secret found in the key is the key's (renamed by `_key`), not this value's.
        reps = [r for r in self.plan.at_pointer.get(pointer, []) if not (key and written_in(key, r))]
        if reps and any(r.category == "stacktrace" for r in reps):
            return TRACE_REPLACEMENT  # the whole body or field: a generic error, nothing of the trace
        if reps and not any(written_in(value, r) for r in reps):
            return reps[0].text  # found here in a form not written here: the whole value goes
        # Anywhere else a long value turns up (a comment, a custom field) it is masked too.
        extra = self.plan.everywhere_in(value, any_form=False)
        return replace_in(value, (reps or []) + extra) if reps or extra else value

    def _key(self, key: str, pointer: str, taken: dict[str, Any]) -> str:
        """The key with any secret in it masked, kept unique within its object."""
        reps = [r for r in self.plan.at_pointer.get(pointer, []) if written_in(key, r)]
        reps += self._everywhere_in_key(key)
        if not reps:
            return key
        masked, n = replace_in(key, reps), 1
        while masked in taken:  # two tokens with one prefix mask alike: keep both members
            n += 1
            masked = f"{replace_in(key, reps)}#{n}"
        return masked

    def _everywhere_in_key(self, key: str) -> list[Replacement]:
        held = self._in_key.get(key)
        if held is None:
            if len(self._in_key) >= KEYS_REMEMBERED:  # keys that are data (ids, emails) do not pile up
                self._in_key.clear()
            held = self._in_key[key] = self.plan.everywhere_in(key, any_form=True)
        return held

    def _base64(self, value: str, pointer: str) -> str:
        if pointer not in self.prefixes:
            return value
        try:
            raw = base64.b64decode(value, validate=False)
            text = raw.decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return value  # a binary body: nothing was found in it
        return base64.b64encode(self.string(text, pointer).encode("utf-8")).decode("ascii")


def _resize(before: dict[str, Any], after: dict[str, Any], base64_text: bool) -> dict[str, Any]:
    """A HAR content object keeps `size` true to its (masked) text."""
    text = after.get("text")
    if (text is before.get("text") or not isinstance(text, str)
            or not isinstance(after.get("size"), int) or after["size"] < 0):
        return after
    after["size"] = len(base64.b64decode(text)) if base64_text else len(text.encode("utf-8"))
    return after


def _escape(token: str) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _json_or_none(text: str) -> Any:
    if text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class JsonStyle:
    """How a JSON text was written, as far as a copy keeps it: indented by `indent` spaces, or on one
    line with (`compact`) or without spaces after its separators."""

    indent: int
    compact: bool

    @classmethod
    def of(cls, original: str) -> JsonStyle:
        """The style of a text, read from its start (STYLE_HEAD characters are all it looks at)."""
        match = re.search(r"\n( +)\S", original[:STYLE_HEAD])
        return cls(len(match.group(1)) if match else 0, not re.search(r"[,:] ", original[:2000]))

    def dumps(self, data: Any) -> str:
        if self.indent:
            return json.dumps(data, indent=self.indent, ensure_ascii=False)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":") if self.compact else None)


STYLE_HEAD = 4000


def _dump_like(data: Any, original: str) -> str:
    """JSON text in the original's style: indented if it was, compact otherwise."""
    return JsonStyle.of(original).dumps(data)


def rewrite_json_text(text: str, plan: Plan) -> str:
    bom = text.startswith("\ufeff")
    data = json.loads(text[1:] if bom else text)
    out = _dump_like(JsonRewriter(plan).node(data, ""), text)
    return ("\ufeff" if bom else "") + out + ("\n" if text.endswith("\n") else "")


def rewrite_json_lines(text: str, plan: Plan) -> str:
    rewriter = JsonRewriter(plan)
    return "\n".join(rewrite_json_line(line, index, rewriter) for index, line in enumerate(text.split("\n")))


def rewrite_json_line(line: str, index: int, rewriter: JsonRewriter) -> str:
    """Line `index` (0-based) of a JSON-lines text: rewritten as JSON where a record of it was found, else as text."""
    if not line.strip():
        return line
    plan = rewriter.plan
    data = _json_or_none(line)
    if data is not None and f"/{index}" in rewriter.prefixes:
        return _dump_like(rewriter.node(data, f"/{index}"), line)
    return replace_in(line, plan.at_line.get(index + 1, []) + plan.everywhere_in(line, any_form=False))


def rewrite_text(text: str, plan: Plan) -> str:
    lines = text.split("\n")
    for number, reps in plan.at_line.items():
        if 1 <= number <= len(lines):
            lines[number - 1] = replace_in(lines[number - 1], reps)
    text = "\n".join(lines)
    return replace_in(text, plan.everywhere_in(text, any_form=True))
