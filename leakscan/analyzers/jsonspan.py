"""Character spans of JSON values in their text, found lazily by pointer or by offset.

sources/positions.py answers "which line and column is this pointer on" for
the spec scanner; captures need the raw offsets themselves, to map offsets
inside an escaped string value and to find which value a text match fell in.
Containers are indexed the first time they are entered (keys read with the C
string scanner, values skipped with the C decoder) and never again. A string
value of a short document is found quicker still by its literal, when the
literal is written once (`literal_span`).
"""
from __future__ import annotations

import bisect
import re
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import TYPE_CHECKING, Any

from leakscan.sources.lenient_json import skipping_decoder
from leakscan.sources.pointer import escape

if TYPE_CHECKING:
    # json.decoder.scanstring is _json's C scanner (or its pure-Python twin with
    # the same signature); typeshed types it only under _json.
    from _json import scanstring as scanstring  # re-exported for capture/har.py
else:
    from json.decoder import scanstring

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?[0-9][0-9.eE+-]*|true|false|null|-?Infinity|NaN")
# A character that never occurs outside a string literal (not whitespace, a number, a constant or
# punctuation): a literal holding one cannot be a closing quote followed by structure.
_STRING_ONLY = re.compile(r"[^ \t\n\r0-9.eE+\-trufalsnNIiy,:\[\]{}]")
# Documents up to this long are searched for a string's literal before their containers are walked:
# a search is one pass in C, a walk decodes every container on the way (a compact API body's
# 40 records, each once per record's email). Longer ones are only walked: a search per value of
# a 10 MB document would be quadratic.
LITERAL_SEARCH_CHARS = 131_072

Member = tuple[str, int, int]  # token, value start, value end


def object_or_empty(value: Any) -> dict[str, Any]:
    """A parsed JSON value when it is an object (its keys are strings), else an empty one."""
    return value if isinstance(value, dict) else {}


_WS_CHARS = frozenset(" \t\n\r")


def skip_ws(text: str, at: int) -> int:
    """Offset of the first non-whitespace character at or after `at`."""
    if text[at:at + 1] not in _WS_CHARS:  # compact JSON: no whitespace at all, and no regex call for it
        return at
    match = _WS.match(text, at)
    return match.end() if match else at  # `[...]*` matches the empty string: there is always a match


class JsonSpans:
    def __init__(self, text: str, start: int = 0) -> None:
        self.text = text
        self._decoder = skipping_decoder()  # only ends are wanted: no integer too long
        self.root = skip_ws(text, start)
        self._members: dict[int, tuple[list[Member], dict[str, int], list[int]]] = {}

    def seed(self, at: int, members: list[Member]) -> None:
        """Children the caller already found in its own parse (a HAR's entries): never scanned again."""
        self._members[at] = (members, {t: i for i, (t, _, _) in enumerate(members)}, [m[1] for m in members])

    def value_span(self, tokens: list[str]) -> tuple[int, int] | None:
        """(start, end) of the value at the pointer tokens; a string starts at its quote."""
        start, end = self.root, None
        for token in tokens:
            found = self._children(start)
            if found is None:
                return None
            members, by_token, _ = found
            index = by_token.get(token)
            if index is None:
                return None
            _, start, end = members[index]
        return start, end if end is not None else self._end_of(start)

    def literal_span(self, value: str) -> tuple[int, int] | None:
        """(start, end) of the one string literal that spells VALUE as json writes it, or None: the
        document too long to search, the literal written twice or never (escaped another way), or
        a member's key. The caller knows a string VALUE is in the document, and a writer spells equal
        strings alike: the one literal is it."""
        text = self.text
        if len(text) - self.root > LITERAL_SEARCH_CHARS or not _STRING_ONLY.search(value):
            return None
        found: tuple[int, int] | None = None
        for literal in dict.fromkeys((encode_basestring(value), encode_basestring_ascii(value))):
            at = text.find(literal, self.root)
            if at < 0:
                continue
            end = at + len(literal)
            if found is not None or text.find(literal, end) >= 0:
                return None  # written twice (or both raw and \u-escaped): only the walk knows which
            found = at, end
        if found is None or _escaped(text, found[0]):
            return None
        after = skip_ws(text, found[1])
        return None if text[after:after + 1] == ":" else found

    def pointer_at(self, offset: int) -> tuple[str, int, int]:
        """The innermost value holding `offset`: (pointer, start, end)."""
        pointer, start, end = "", self.root, None
        while True:
            found = self._children(start)
            if found is None:
                break
            members, _, starts = found
            i = bisect.bisect_right(starts, offset) - 1
            if i < 0 or offset >= members[i][2]:
                break  # between members: a key or punctuation of this container
            token, start, end = members[i]
            pointer += "/" + escape(token)
        return pointer, start, end if end is not None else self._end_of(start)

    def _children(self, at: int) -> tuple[list[Member], dict[str, int], list[int]] | None:
        cached = self._members.get(at)
        if cached is None:
            opener = self.text[at:at + 1]
            if opener not in ("{", "["):
                return None
            members = self._scan(at, opener == "{")
            by_token = {token: i for i, (token, _, _) in enumerate(members)}  # a repeated key: the last wins
            cached = self._members[at] = (members, by_token, [m[1] for m in members])
        return cached

    def _scan(self, at: int, is_object: bool) -> list[Member]:
        text, ws = self.text, skip_ws
        members: list[Member] = []
        i = ws(text, at + 1)
        if text[i:i + 1] in ("}", "]"):
            return members
        index = 0
        while i < len(text):
            if is_object:
                if text[i:i + 1] != '"':
                    break
                try:
                    key, after = scanstring(text, i + 1)
                except ValueError:  # a broken key (raw control character, cut short): the members end here
                    break
                value_at = ws(text, ws(text, after) + 1)
                token = key
            else:
                value_at, token = i, str(index)
                index += 1
            end = self._end_of(value_at)
            members.append((token, value_at, end))
            k = ws(text, end)
            if text[k:k + 1] != ",":
                break
            i = ws(text, k + 1)
        return members

    def _end_of(self, at: int) -> int:
        char = self.text[at:at + 1]
        try:
            if char == '"':
                return scanstring(self.text, at + 1)[1]
            if char in ("{", "["):
                return self._decoder.raw_decode(self.text, at)[1]
        except ValueError:  # a truncated document: the value runs to the end
            return len(self.text)
        match = _SCALAR.match(self.text, at)
        return match.end() if match else at + 1


def _escaped(text: str, at: int) -> bool:
    """The quote at AT is escaped (an odd run of backslashes before it): inside another string."""
    run = at
    while run > 0 and text[run - 1] == "\\":
        run -= 1
    return (at - run) % 2 == 1
