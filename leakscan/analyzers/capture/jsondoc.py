"""A parsed JSON document turned into capture items, with nested JSON followed.

Every string (and every long whole or key-labelled number) becomes one item with
its key, its parent's key and its pointer; a string that is itself a JSON
document (a body logged as a string) is followed with the inner pointer after
`#`, as DESIGN.md has it. Arrays of frames under a trace key (`"trace": [...]`)
become one item so a stack trace is one finding, not one per frame.
Positions are resolved lazily through `JsonSpans`, only for what is reported.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from leakscan.analyzers.capture.field_evidence import key_kind
from leakscan.analyzers.capture.payload import Item, derive
from leakscan.analyzers.capture.sites import AnchorSite, ResolvedSite, ShiftSite, Site, StringSite
from leakscan.analyzers.capture.vocab import vocabulary
from leakscan.analyzers.jsonspan import JsonSpans
from leakscan.analyzers.regions import object_region
from leakscan.sources.lenient_json import LONG_INTEGER, loads_lenient
from leakscan.sources.pointer import escape, split

MAX_NESTED = 3  # JSON in a string in a string in a string is as deep as it gets
MIN_NUMBER = 100000  # shorter numbers are never personal data on their own
MIN_STRING = 6
MIN_KEY_DATA = 8  # shorter keys are names (`id`, `user_id`), never worth a rule pass
FRAME_KEYS = ({"file", "filename", "class", "classname", "module", "declaringclass"},
              {"line", "lineno", "linenumber"})


@dataclass
class Doc:
    """One JSON text: where its offsets go in the file and the pointer in front of its own."""

    text: str
    site: Site
    prefix: str = ""  # "" for the file itself, ".../content/text#" for a body
    depth: int = 0
    offset: int = 0  # where the JSON starts in `text` (past a byte-order mark)
    _spans: JsonSpans | None = field(default=None, repr=False)

    @property
    def spans(self) -> JsonSpans:
        if self._spans is None:
            self._spans = JsonSpans(self.text, self.offset)
        return self._spans

    def value_site(self, local: str, how: str, value: str | None = None) -> Site:
        """`how`: string (escapes mapped), scalar (offsets as they are) or anchor (all at the start).
        `value`: the string at the pointer, when the caller has it (found by its literal, see jsonspan)."""
        return ValueSite(self, local, how, value)


class ValueSite(ResolvedSite):
    """The site of the value at a pointer, looked up the first time a position is asked."""

    __slots__ = ("doc", "local", "how", "value")

    def __init__(self, doc: Doc, local: str, how: str, value: str | None = None) -> None:
        super().__init__()
        self.doc, self.local, self.how, self.value = doc, local, how, value

    def _resolve(self) -> Site | None:
        doc = self.doc
        span = doc.spans.literal_span(self.value) if self.value is not None and self.how == "string" else None
        if span is None:
            span = doc.spans.value_span(split(self.local))
        if span is None:
            return None
        if self.how == "string" and doc.text.startswith('"', span[0]):
            return StringSite(doc.site, doc.text, span[0], span[1])
        return ShiftSite(doc.site, span[0]) if self.how == "scalar" else AnchorSite(doc.site, span[0])


TOO_DEEP = "JSON nested too deep"
NUMBER_TOO_LONG = LONG_INTEGER
LIMITS = (TOO_DEEP, NUMBER_TOO_LONG)  # valid JSON past a limit of Python's: worth an error entry


def parse_json(text: str) -> tuple[Any, str | None]:
    """The document, or None and why it is not JSON (or cannot be parsed: TOO_DEEP). One holding an integer past
    Python's digit limit is parsed all the same, that integer a `LongInteger`, and NUMBER_TOO_LONG comes with it."""
    try:
        data, long_integer = loads_lenient(text)
    except RecursionError:
        return None, TOO_DEEP
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
    return data, NUMBER_TOO_LONG if long_integer else None


def limit_error(error: str, data: Any, what: str) -> str:
    """The errors entry for a limit hit: the `what` (file, line, body) was read by its structure or as text."""
    if data is not None:
        return f"{error}; that integer was left out and the rest of the {what} scanned by its structure"
    return f"{error}; the {what} was scanned as text"


def looks_like_json(text: str) -> bool:
    """Starts with { or [ and ends with } or ] (without copying a 10 MB body to check)."""
    if text[:1] not in ("{", "[", " ", "\t", "\r", "\n"):
        return False  # most strings: rejected on their first character
    if text[:64].lstrip()[:1] not in ("{", "["):
        return False
    end = len(text) - 1
    while end > 0 and text[end] in " \t\r\n":
        end -= 1
    return text[end] in ("}", "]")


def flatten(data: Any, doc: Doc, template: Item) -> list[Item]:
    """Items for every interesting value; `template` carries where/payload/extra."""
    return list(iter_flatten(data, doc, template))


def iter_flatten(data: Any, doc: Doc, template: Item, start: str = "") -> Iterator[Item]:
    """flatten(), one item at a time: a large document never has all its items at once.

    `start`: the local pointer of `data` when it is a part of the document (a HAR's custom fields)."""
    trace_keys = vocabulary().trace_keys
    # (value, local pointer, key, parent key, template: an object's country field is a region hint below it)
    stack: list[tuple[Any, str, str, str, Item]] = [(data, start, "", "", template)]
    while stack:
        value, local, key, parent, here = stack.pop()
        if isinstance(value, dict):
            hint = object_region(value)
            if hint is not None and hint not in here.regions:
                here = derive(here, regions=(hint, *here.regions))
            for k in reversed(list(value)):
                stack.append((value[k], f"{local}/{escape(k)}", str(k), key, here))
            yield from _key_items(value, doc, local, key, here)
        elif isinstance(value, list):
            frames = _frames(value) if key and trace_keys.has(key) else None
            if frames is not None:
                text, structured = frames
                yield _item(replace(here, where="frames") if structured else here,
                            doc, local, key, parent, text, how="anchor")
                continue
            keyed: bool | None = None  # whether the key names a kind: asked only when it decides
            for i in range(len(value) - 1, -1, -1):
                element = value[i]
                # What the branches below would drop, dropped before a pointer is made: a profiler's
                # or a metrics export's arrays hold hundreds of thousands of small numbers.
                kind = type(element)
                if kind is bool or element is None:
                    continue
                if (((kind is int or kind is float) and -MIN_NUMBER < element < MIN_NUMBER)
                        or (kind is float and not element.is_integer())
                        or (kind is str and len(element) < MIN_STRING)):
                    if keyed is None:
                        keyed = bool(key) and key_kind(key, parent) is not None
                    if not keyed:
                        continue
                stack.append((element, f"{local}/{i}", key, parent, here))
        elif isinstance(value, str):
            # Under six characters only a key can make a value sensitive (a CVV, a short password).
            if len(value) >= MIN_STRING or (value and key and key_kind(key, parent) is not None):
                yield from _string_items(value, doc, local, key, parent, here)
        elif (isinstance(value, (int, float)) and not isinstance(value, bool)
              and ((abs(value) >= MIN_NUMBER and _whole(value)) or (key and key_kind(key, parent) is not None))):
            yield _item(here, doc, local, key, parent, repr(value) if isinstance(value, float) else str(value),
                        how="scalar", quote=False)


def _whole(number: int | float) -> bool:
    """An identifier written as a number (a card, a phone, an account) is a whole number; a fraction
    (a profiler's timestamp, a price, a coordinate) is a measurement, data only when its key says so."""
    return isinstance(number, int) or number.is_integer()


@functools.lru_cache(maxsize=4096)  # a body's hundred records share a dozen keys
def key_is_data(key: str) -> bool:
    """A key that holds data rather than naming it (a token, an email, a session id used as a map key)."""
    return len(key) >= MIN_KEY_DATA and (any(ch.isdigit() for ch in key) or any(ch in "@.:/+=" for ch in key))


def _key_items(obj: dict[str, Any], doc: Doc, local: str, parent: str, template: Item) -> Iterator[Item]:
    """Keys are read too: each data-like key is an item at its member's pointer, sited on the key."""
    for k in obj:
        if isinstance(k, str) and key_is_data(k):
            yield derive(template, value=k, pointer=f"{doc.prefix}{local}/{escape(k)}", site=KeySite(doc, local, k),
                         where="key", key="", parent_key=parent, prefix='"', suffix='": ')


class KeySite(ResolvedSite):
    """Where a key is written: looked for inside its object's span the first time a position is asked."""

    __slots__ = ("doc", "local", "key")

    def __init__(self, doc: Doc, local: str, key: str) -> None:
        super().__init__()
        self.doc, self.local, self.key = doc, local, key

    def _resolve(self) -> Site | None:
        span = self.doc.spans.value_span(split(self.local))
        if span is None:
            return None
        for literal in (json.dumps(self.key, ensure_ascii=False), json.dumps(self.key)):
            at = self.doc.text.find(literal, span[0], span[1])
            if at >= 0:
                return StringSite(self.doc.site, self.doc.text, at, at + len(literal))
        return AnchorSite(self.doc.site, span[0])


def _string_items(value: str, doc: Doc, local: str, key: str, parent: str, template: Item) -> Iterable[Item]:
    if doc.depth < MAX_NESTED and len(value) > 1 and looks_like_json(value):
        inner, _ = parse_json(value)
        if isinstance(inner, (dict, list)):
            site = doc.value_site(local, "string")
            nested = Doc(value, site, doc.prefix + local + "#", doc.depth + 1)
            return iter_flatten(inner, nested, template)
    return [_item(template, doc, local, key, parent, value, how="string")]


def _item(template: Item, doc: Doc, local: str, key: str, parent: str, value: str,
          how: str, quote: bool = True) -> Item:
    q = '"' if quote else ""
    return derive(template, value=value, pointer=doc.prefix + local, site=doc.value_site(local, how, value),
                  key=key, parent_key=parent, prefix=f'"{key}": {q}' if key else q, suffix=q)


def _frames(value: list[Any]) -> tuple[str, bool] | None:
    """The frames as text when the list is a stack trace: (text, made of frame objects)."""
    if not value:
        return None
    if all(isinstance(v, str) for v in value):
        return ("\n".join(v.rstrip("\n") for v in value), False) if len(value) >= 2 else None
    frames = [v for v in value if isinstance(v, dict)]
    if not frames:
        return None
    names = {k.lower() for k in frames[0]}
    if not (names & FRAME_KEYS[0] and names & FRAME_KEYS[1]):
        return None
    lines = []
    for frame in frames[:200]:
        lower = {k.lower(): v for k, v in frame.items()}
        where = next((lower[k] for k in ("file", "filename", "class", "classname", "declaringclass", "module")
                      if k in lower), "?")
        line = next((lower[k] for k in ("line", "lineno", "linenumber") if k in lower), "?")
        func = next((lower[k] for k in ("function", "method", "methodname", "name") if k in lower), "")
        lines.append(f"  frame {where}:{line} {func}".rstrip())
    return "\n".join(lines), True
