"""Where a few fixed byte strings first occur in a blob: one pass for all of them.

Document recognition in history scans asks of every blob whether it holds
`openapi`, `swagger` or `HTTP/` before decoding it. One Hyperscan pass over
the bytes answers for all the literals at once, about three times faster
than a `bytes.find` per literal; without Hyperscan, `bytes.find` gives the
same answers.
"""
from __future__ import annotations

import functools
import hashlib
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from leakscan.cache import cache_dir, write_atomic
from leakscan.engine.prefilter import HAVE_HYPERSCAN

if HAVE_HYPERSCAN:
    import hyperscan as _hs


class LiteralFinder:
    """First end offset of each literal (case-sensitive) in some bytes."""

    def __init__(self, literals: Sequence[bytes], use_hyperscan: bool | None = None) -> None:
        self.literals = tuple(dict.fromkeys(literals))
        use = HAVE_HYPERSCAN if use_hyperscan is None else use_hyperscan and HAVE_HYPERSCAN
        self._db = _compile(self.literals) if use and self.literals else None

    def first_ends(self, data: bytes) -> dict[bytes, int]:
        """literal -> offset just past its first occurrence, for the literals that occur."""
        if self._db is None:
            found = {literal: data.find(literal) for literal in self.literals}
            return {literal: at + len(literal) for literal, at in found.items() if at >= 0}
        ends: dict[bytes, int] = {}

        def on_match(index: int, start: int, end: int, flags: int, ctx: object) -> None:
            ends[self.literals[index]] = end  # single-match: the first, i.e. the earliest end

        self._db.scan(data, match_event_handler=on_match)
        return ends

    def occurring(self, text: str, data: bytes | None = None) -> list[bytes]:
        """The literals that occur in `text` (`data`: the bytes it was decoded from, if at hand)."""
        return list(self.first_ends(_utf8(text, data)))


def _compile(literals: Sequence[bytes]) -> _hs.Database:
    db = _hs.Database()
    db.compile(expressions=[_escape(literal) for literal in literals], ids=list(range(len(literals))),
               elements=len(literals), flags=[_hs.HS_FLAG_SINGLEMATCH] * len(literals))
    return db


def _escape(literal: bytes) -> bytes:
    return "".join(f"\\x{b:02x}" for b in literal).encode()


# What later passes over a whole text ask first, answered by one Hyperscan pass (issue 20.4): a
# substring test or regex search per question costs a tree scan about 0.03 s of CPU each.
JSON_ESCAPES = ("\\/", "\\u00")  # what engine/escapes.py decodes
RULE_FILE_MARKERS = ('"plugins_used"', "[[rules]]", "id:")  # one of them is in every rule file
# One of them is in every text that a built-in document scanner claims and that does not start
# with `{` or `[` (an OpenAPI document, an HTTP dump): analyzers/registry.py asks before the scanners.
DOCUMENT_MARKERS = ("openapi", "swagger", "HTTP/")
# Where `sources/encodings.py` may find an assigned value that decodes (its `_VALUE` regex then runs
# there only): a base64 value's start (16 characters, `=` padding at most in the last two), and
# the lines where a `%XX`, `\\uXX..` or `\\xXX` escape follows a `:` or `=` (a value that is not
# base64 decodes only with one). Bytes and ASCII classes: a superset of what the regex and
# `decode_value` accept together.
# An assigned value as sources/encodings.py reads it (its `_VALUE` is made of these): `:` or `=`, blanks,
# maybe a quote, then the value's first character and the rest. The patterns here must agree with it.
ASSIGNED = r"""[:=][ \t]*["']?"""
VALUE_FIRST, VALUE_CHAR = r"[A-Za-z0-9+/_%\\-]", r"""[^\s"'`,;<>(){}\[\]]"""
BASE64_START = (ASSIGNED + "[A-Za-z0-9+/_-]{14}[A-Za-z0-9+/_=-]{2}").encode()
ESCAPED_VALUE = rb"""[:=][^\n]*(?:%|\\[ux])[0-9A-Fa-f]{2}"""
# A base64 value's first character is the top six bits of its first byte. These put there a UTF-8
# continuation byte (0x80-0xBF: g-v) or a byte UTF-8 never uses (0xF8-0xFF: + / - _): not UTF-8...
NOT_UTF8_FIRST = frozenset("ghijklmnopqrstuv+/-_")
# ...and these a control character other than a tab or line break (0x00-0x07, 0x10-0x1F): not text.
CONTROL_FIRST = frozenset("ABEFGH")
# History's encoded-value gate asks only whether a value that decodes exists, of every changed region
# its prefilter passed over, so its patterns say more than BASE64_START and ESCAPED_VALUE (fewer calls
# back into Python: 115,000 -> 20,000 over the synthetic history's 201 MB). A base64 start's first
# four characters must decode to the start of text (_text_quantum), and an escape must lie in a value
# that starts behind the `:` or `=` and is long enough (16 characters) for `decode_value`. The
# patterns are made on a cache miss only (3 ms); GATE_DIGEST names them in the cache key, and a test
# says when it is stale.
GATE_DIGEST = "57d70cf11668"  # sha256 of the two patterns joined by a newline, first 12 hex digits
_ASSIGNED, _VALUE_FIRST, _VALUE_CHAR = ASSIGNED.encode(), VALUE_FIRST.encode(), VALUE_CHAR.encode()
_PERCENT, _ESCAPE = rb"%[0-9A-Fa-f]{2}", rb"\\[ux][0-9A-Fa-f]{2}"
_BASE64_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
_Quantum = tuple[int, int, int]  # bits not yet a byte: how many, their value; continuation bytes owed


def gate_patterns() -> tuple[bytes, bytes]:
    """The gate's base64-start and escaped-value patterns (each a superset of what decodes)."""
    quantum = _text_quantum((0, 0, 0), 4)
    assert quantum is not None
    base64_start = _ASSIGNED + quantum.encode() + rb"[A-Za-z0-9+/_-]{10}[A-Za-z0-9+/_=-]{2}"
    escaped = _ASSIGNED + b"(?:" + b"|".join((
        _PERCENT + _VALUE_CHAR + b"{13}", _ESCAPE + _VALUE_CHAR + b"{12}",  # the value starts with it
        _VALUE_FIRST + _VALUE_CHAR + b"*(?:" + _PERCENT + b"|" + _ESCAPE + b")")) + b")"
    return base64_start, escaped


@functools.cache
def _text_quantum(state: _Quantum, characters: int) -> str | None:
    """A pattern for `characters` more base64 characters whose bytes continue UTF-8 text from `state`:
    ASCII printable, a tab or a line break, or a multi-byte character's lead and continuation
    bytes (not checked further: a superset). Characters are grouped by the state they lead to;
    `-` and `_` stand in for `+` and `/` (base64url)."""
    if characters == 0:
        return ""
    by_rest: dict[str, list[str]] = {}
    for index, character in enumerate(_BASE64_ALPHABET):
        after = _next_quantum(state, index)
        rest = _text_quantum(after, characters - 1) if after is not None else None
        if rest is not None:
            by_rest.setdefault(rest, []).append(character)
    if not by_rest:
        return None
    branches = [_class(members) + rest for rest, members in by_rest.items()]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _next_quantum(state: _Quantum, six_bits: int) -> _Quantum | None:
    pending, value, owed = state
    value, pending = value << 6 | six_bits, pending + 6
    if pending < 8:
        return pending, value, owed
    pending -= 8
    byte, value = value >> pending, value & ((1 << pending) - 1)
    if owed:
        return (pending, value, owed - 1) if 0x80 <= byte <= 0xBF else None
    if 0x20 <= byte <= 0x7E or byte in (0x09, 0x0A, 0x0D):
        return pending, value, 0
    owes = 1 if 0xC2 <= byte <= 0xDF else 2 if 0xE0 <= byte <= 0xEF else 3 if 0xF0 <= byte <= 0xF4 else 0
    return (pending, value, owes) if owes else None


def _class(members: list[str]) -> str:
    twins = {"+": "+-", "/": "/_"}
    return "[" + "".join(twins.get(c, c) for c in members).replace("-", "\\-") + "]"


# The database holds BASE64_START without start-of-match tracking, which made its pass half as
# slow again (0.048 -> 0.032 s on the stdlib's .py files); each start is found behind the match's end.
_BASE64_RUN = 16  # BASE64_START's last part: 14 + 2 characters
_ESCAPES_ID, _RULE_FILE_ID, _DOCUMENT_ID, _BASE64_ID, _ESCAPED_ID = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class TextMarks:
    """Cheap facts about one text, each a sound gate: False means the text surely lacks it."""

    json_escapes: bool
    rule_file_markers: bool
    # Character offsets, None when unknown (search the whole text): where a base64 value may start,
    # and offsets on the lines where a percent-encoded or escaped value may be.
    base64_starts: tuple[int, ...] | None
    escaped_lines: tuple[int, ...] | None
    # One of DOCUMENT_MARKERS is in the text; True (maybe) when not looked for (a small text).
    document_markers: bool = True


# Below this many characters substring tests beat starting a Hyperscan scan (values of documents).
SMALL_TEXT = 4096
_DB: _hs.Database | None = None
_GATE_DB: _hs.Database | None = None
_LAST: tuple[str, TextMarks] | None = None


def text_marks(text: str, data: bytes | None = None) -> TextMarks:
    """The marks of `text` (`data`: its bytes when the caller has them). The pipeline asks for one
    text several times in a row (rule-file test, escapes, decoding): the last answer is kept."""
    global _LAST
    if len(text) < SMALL_TEXT:
        return _marks_plain(text)
    if _LAST is not None and _LAST[0] is text:
        return _LAST[1]
    marks = _marks_hyperscan(text, data) if HAVE_HYPERSCAN else _marks_plain(text)
    _LAST = (text, marks)
    return marks


def _marks_plain(text: str) -> TextMarks:
    # Spelled out, not any() over the tuples: this runs for every small value of every document.
    return TextMarks("\\/" in text or "\\u00" in text,
                     '"plugins_used"' in text or "[[rules]]" in text or "id:" in text, None, None)


def _marks_hyperscan(text: str, data: bytes | None) -> TextMarks:
    ascii_text = text.isascii()
    payload = _utf8(text, data, ascii_text)
    found = [False, False, False]
    ends: tuple[list[int], list[int]] = ([], [])  # just past BASE64_START and ESCAPED_VALUE matches

    def on_match(index: int, start: int, end: int, flags: int, ctx: object) -> None:
        if index == _BASE64_ID:
            ends[0].append(end)
        elif index == _ESCAPED_ID:
            ends[1].append(end)
        else:
            found[index] = True

    _database().scan(payload, match_event_handler=on_match)
    starts = sorted({_base64_start(payload, end) for end in ends[0]})
    escaped = sorted({end - 1 for end in ends[1]})
    if not ascii_text:
        starts, escaped = _char_offsets(payload, starts), _char_offsets(payload, escaped)
    return TextMarks(found[_ESCAPES_ID], found[_RULE_FILE_ID], tuple(starts), tuple(escaped), found[_DOCUMENT_ID])


def _utf8(text: str, data: bytes | None, ascii_text: bool | None = None) -> bytes:
    """The text's own UTF-8 bytes: offsets must be theirs (`data`, what the text was decoded from,
    may be another encoding)."""
    if data is not None and len(data) == len(text) and (text.isascii() if ascii_text is None else ascii_text):
        return data
    return text.encode("utf-8", "surrogatepass")


def encoded_value_starts(text: str, data: bytes | None, accept: Callable[[bool, int], bool]) -> bool | None:
    """Whether `accept` says yes at some place in `text` (`data`: its bytes, if the caller has them):
    `accept(False, start)` where the gate's base64 start matches (`start`: the character offset of
    its `:` or `=`), `accept(True, offset)` at offsets on the lines where its escaped value matches
    (gate_patterns()); asked in the order Hyperscan finds them and no further than the first yes.
    None without Hyperscan (the caller searches itself)."""
    if not HAVE_HYPERSCAN:
        return None
    ascii_text = text.isascii()
    payload = _utf8(text, data, ascii_text)
    # The patterns are ASCII, so in other text they match at the same characters, counted in bytes.
    to_char = None if ascii_text else _CharCounter(payload)
    found = False

    def on_match(index: int, start: int, end: int, flags: int, ctx: object) -> bool:
        nonlocal found
        escaped = index == _ESCAPED_ID
        at = end - 1 if escaped else _base64_start(payload, end)
        found = accept(escaped, at if to_char is None else to_char(at))
        return found  # True stops the scan

    try:  # noqa: SIM105 - contextlib.suppress costs 1 us a call, and this is asked of every changed region
        _gate_database().scan(payload, match_event_handler=on_match)
    except _hs.ScanTerminated:  # raised when on_match stopped the scan
        pass
    return found


class _CharCounter:
    """Byte offsets of ASCII characters in UTF-8 as character offsets, counted from the offset
    asked before: linear in all for offsets that mostly increase, as Hyperscan reports them."""

    def __init__(self, payload: bytes) -> None:
        self.payload, self.byte, self.char = payload, 0, 0

    def __call__(self, at: int) -> int:
        if at >= self.byte:
            self.char += len(self.payload[self.byte:at].decode("utf-8", "surrogatepass"))
        else:
            self.char -= len(self.payload[at:self.byte].decode("utf-8", "surrogatepass"))
        self.byte = at
        return self.char


def _base64_start(payload: bytes, end: int) -> int:
    """Where the BASE64_START (or gate base64 start) match ending at `end` starts (the leftmost start
    Hyperscan would give): the run is the last 16 bytes, before it an optional quote, blanks, then
    `:` or `=`, read one way."""
    at = end - _BASE64_RUN - 1
    if payload[at] in b"\"'":
        at -= 1
    while payload[at] in b" \t":
        at -= 1
    return at


def _char_offsets(payload: bytes, byte_offsets: list[int]) -> list[int]:
    """Sorted byte offsets of ASCII characters in UTF-8 as character offsets, in one pass."""
    count = _CharCounter(payload)
    return [count(at) for at in byte_offsets]


def _database() -> _hs.Database:
    """Compiled once per machine (a worker process loads it in under a millisecond)."""
    global _DB
    if _DB is None:
        literal = [_escape(m.encode()) for m in (*JSON_ESCAPES, *RULE_FILE_MARKERS, *DOCUMENT_MARKERS)]
        expressions = [*literal, BASE64_START, ESCAPED_VALUE]
        ids = ([_ESCAPES_ID] * len(JSON_ESCAPES) + [_RULE_FILE_ID] * len(RULE_FILE_MARKERS)
               + [_DOCUMENT_ID] * len(DOCUMENT_MARKERS) + [_BASE64_ID, _ESCAPED_ID])
        flags = [_hs.HS_FLAG_SINGLEMATCH] * len(literal) + [0, 0]
        _DB = _cached_database("marks", expressions, ids, flags)
    return _DB


def _gate_database() -> _hs.Database:
    global _GATE_DB
    if _GATE_DB is None:
        _GATE_DB = _cached_database(f"gate-{GATE_DIGEST}", gate_patterns, [_BASE64_ID, _ESCAPED_ID], [0, 0])
    return _GATE_DB


def _cached_database(name: str, expressions: Sequence[bytes] | Callable[[], Sequence[bytes]], ids: list[int],
                     flags: list[int]) -> _hs.Database:
    """`expressions`, or a function that makes them on a miss (then `name` must name them)."""
    named = list(expressions) if isinstance(expressions, Sequence) else []
    key = hashlib.sha256(repr((getattr(_hs, "__version__", ""), named, ids, flags)).encode())
    cache = cache_dir() / f"{name}-{key.hexdigest()[:32]}.db"
    try:
        db = _hs.loadb(cache.read_bytes(), _hs.HS_MODE_BLOCK)
        db.scratch = _hs.Scratch(db)  # a deserialized database comes without scratch space
    except (OSError, _hs.error, ValueError, TypeError):
        db = _hs.Database()
        made = named if isinstance(expressions, Sequence) else list(expressions())
        db.compile(expressions=made, ids=ids, elements=len(ids), flags=flags)
        write_atomic(cache, _hs.dumpb(db))
    return db
