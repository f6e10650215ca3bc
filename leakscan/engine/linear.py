"""Rule patterns on RE2, a linear-time engine, with `regex`'s match semantics.

A backtracking engine can take time exponential (or, for the common bug,
quadratic) in the input on a badly written pattern; RE2 never does. Rule
patterns are written for `regex` (ASCII, VERSION0), so each is translated:

- `\\Z` → `\\z`; `\\uXXXX` → `\\x{XXXX}`; `\\s` → `[\\t\\n\\v\\f\\r ]` (RE2's `\\s` has no `\\v`);
  `$` outside multi-line mode → `\\n?\\z` (Python's `$` also matches before a
  final newline; rules use it only after the secret);
- a leading `(?<!C)` and a trailing `(?!C)` on one character class, the
  usual token boundaries, become a consumed character (or the text's edge)
  with an empty named group marking where the real match starts or ends;
  a trailing `(?!C|xD)` (the number boundary `(?![\\w-]|\\.\\d)` of the phone,
  card and IP-address rules) likewise, with up to two characters consumed;
- `X{a,b}` with b over RE2's limit of 1000, X one character, becomes `X{a,}`
  (a lower bound over 1000 chained in parts). Chained bounded repeats would
  match exactly, but their thousands of states defeat RE2's DFA and fall back
  to an NFA costing bound × input (8 s on 64 KB for a 4,000 bound); the only
  difference is on a run longer than b, reported whole instead of cut at b.

Anything else RE2 rejects (lookaround elsewhere, backreferences, deeply
nested counted repeats) stays on `regex`; RE2 still runs such a pattern with
its lookarounds left out (`compile_relaxed`), which matches wherever the
pattern does and more, so `regex` is tried only where that finds a start. Search runs on the UTF-8 bytes of
the text; `endpos` is honoured as the end of the text, as `regex` does.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

try:
    import re2
except ImportError:  # pragma: no cover - re2 wheels cover the usual platforms
    re2 = None

RE2_MAX_REPEAT = 1000
BODY_GROUP = "lsbody"  # where the match starts once an emulated lookbehind is dropped
END_GROUP = "lsend"  # where the match ends before an emulated lookahead's character
_SPACE = r"\t\n\v\f\r "
_TOKEN = re.compile(r"""
    \\x[0-9A-Fa-f]{2} | \\. |                     # escapes
    \[\^?\]?(?:\\.|[^\]\\])*\] |                   # a character class
    \{\d+(?:,\d*)?\}\?? |                          # a counted repeat
    \(\?<?[!=] | \(\?P<\w+> | \(\?[a-zA-Z]+\) | \(\?[a-zA-Z]*: | \( |
    [\s\S]
""", re.VERBOSE)
_REPEAT = re.compile(r"\{(\d+)(?:,(\d*))?\}(\??)")
_ONE_CHAR = re.compile(r"\\x[0-9A-Fa-f]{2}$|\\[wdsWDStnrfv.\\/\-\[\]{}()|^$*+?]$|\[.*\]$|[^\\()|{}*+?^$]$", re.DOTALL)
_FLAG_ONLY = re.compile(r"\(\?[a-zA-Z]+\)")  # `(?i)`: a token that opens no group
_FLAG_GROUP = re.compile(r"\(\?([a-zA-Z]*)[:)]$")
_UNICODE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9A-Fa-f]{4})")  # `\uXXXX`, which RE2 spells `\x{XXXX}`


def available() -> bool:
    return re2 is not None


@dataclass(frozen=True)
class LinearPattern:
    """A rule pattern compiled for RE2 with what is needed to read its matches."""
    regexp: Any  # re2's compiled object
    group: int  # the secret's group in the translated pattern
    body_group: int | None  # set when a leading lookbehind was emulated
    end_group: int | None  # set when a trailing lookahead was emulated
    rule_group: int | str = 1  # the secret's group in the rule's own pattern
    # With an emulated lookbehind: the pattern without its text's-edge alternative, for a search
    # from the text's first character on behalf of a window after it (there `\A` would win).
    inside: Any = None


def compile_linear(pattern: str, secret_group: int | str | None = None) -> LinearPattern | None:
    """The RE2 form of a rule pattern, or None when RE2 cannot run it exactly. `secret_group`: the
    secret's group in `pattern`; None for the rule's convention (the group named `secret`, else 1)."""
    if re2 is None:
        return None
    translated = translate(pattern)
    if translated is None:
        return None
    options = re2.Options()
    options.log_errors = False
    try:
        compiled = re2.compile(translated, options)
    except re2.error:
        return None
    names = compiled.groupindex
    if secret_group is None:  # translation keeps the pattern's group names
        secret_group = "secret" if "secret" in names else 1
    body = names.get(BODY_GROUP)
    group = names[secret_group] if isinstance(secret_group, str) else secret_group + (1 if body is not None else 0)
    inside = re2.compile(translated.replace("(?:\\A|", "(?:", 1), options) if body is not None else None
    return LinearPattern(compiled, group, body, names.get(END_GROUP), secret_group, inside)


def compile_relaxed(pattern: str) -> LinearPattern | None:
    """RE2 for the pattern with every lookaround left out, or None. Lookarounds only narrow a match
    at a start, so wherever the pattern matches this matches too (at the same start): a text or a
    position where this finds no start needs no backtracking search."""
    relaxed = without_lookarounds(pattern)
    return None if relaxed is None else compile_linear(relaxed, 0)


def without_lookarounds(pattern: str) -> str | None:
    """The pattern with its lookaround groups dropped; None when it has none (nothing to relax)."""
    kept: list[str] = []
    depth = dropped = 0  # depth: open groups inside the lookaround being dropped
    just_closed = False  # a quantifier right after a dropped lookaround would apply to what precedes it
    for token in _TOKEN.findall(pattern):
        if depth:
            depth += 1 if token.startswith("(") and not _FLAG_ONLY.fullmatch(token) else 0
            depth -= 1 if token == ")" else 0
            just_closed = not depth
            continue
        if just_closed and (token in ("*", "+", "?") or _REPEAT.fullmatch(token)):
            return None
        just_closed = False
        if token in ("(?=", "(?!", "(?<=", "(?<!"):
            depth, dropped = 1, dropped + 1
        else:
            kept.append(token)
    return "".join(kept) if dropped and not depth else None


def translate(pattern: str) -> str | None:
    """The pattern in RE2 syntax, or None if a construct cannot be mapped."""
    tokens = _TOKEN.findall(pattern)
    flags = ""
    if tokens and re.fullmatch(r"\(\?[a-zA-Z]+\)", tokens[0]):
        flags, tokens = tokens[0], tokens[1:]
    if "m" not in flags and any("m" in m.group(1) for m in map(_FLAG_GROUP.match, tokens) if m):
        return None  # a local multi-line flag: `$` handling would need to track it
    prefix, suffix = "", ""
    if len(tokens) >= 3 and tokens[0] == "(?<!" and tokens[2] == ")" and _ONE_CHAR.match(tokens[1]):
        prefix = f"(?:\\A|{_negate(tokens[1])})(?P<{BODY_GROUP}>)"
        tokens = tokens[3:]
    if len(tokens) >= 3 and tokens[-3] == "(?!" and tokens[-1] == ")" and _ONE_CHAR.match(tokens[-2]):
        suffix = f"(?P<{END_GROUP}>)(?:{_negate(tokens[-2])}|\\z)"
        tokens = tokens[:-3]
    elif (found := _trailing_two_char_lookahead(tokens)) is not None:
        suffix, tokens = found
    out: list[str] = []
    for i, token in enumerate(tokens):
        repeat = _REPEAT.fullmatch(token)
        if repeat and int(repeat.group(2) or repeat.group(1)) > RE2_MAX_REPEAT:
            if not out or not _ONE_CHAR.match(tokens[i - 1]):
                return None
            out.append(_split_repeat(out.pop(), repeat))
        else:
            out.append(_translate_token(token, multiline="m" in flags))
    return _UNICODE_ESCAPE.sub(r"\1\\x{\2}", flags + prefix + "".join(out) + suffix)


def _trailing_two_char_lookahead(tokens: list[str]) -> tuple[str, list[str]] | None:
    """A trailing `(?!C|xD)` (C and D one-character atoms, x a literal character C does not match:
    the number boundary `(?![\\w-]|\\.\\d)`), emulated like the one-character form: after the
    match comes the text's edge, a character outside C other than x, or x followed by the edge or a
    character outside D. Returns the suffix and the tokens before the lookahead, or None."""
    if len(tokens) < 7 or tokens[-6] != "(?!" or tokens[-4] != "|" or tokens[-1] != ")":
        return None
    other, literal, second = tokens[-5], tokens[-3], tokens[-2]
    char = literal[1] if len(literal) == 2 and literal[0] == "\\" and not literal[1].isalnum() else literal
    other_body, second_body = _class_body(other), _class_body(second)
    if (len(char) != 1 or char in "\\[]^-" or other_body is None or second_body is None
            or re.fullmatch(f"[{other_body}]", char, re.ASCII)):
        return None
    escaped = char if char.isalnum() else "\\" + char
    # A literal `-` in a class body is first or last: the escaped character goes on the other side.
    outside = f"[^{other_body}{escaped}]" if other_body.startswith("-") else f"[^{escaped}{other_body}]"
    suffix = f"(?P<{END_GROUP}>)(?:\\z|{outside}|{escaped}(?:\\z|[^{second_body}]))"
    return suffix, tokens[:-6]


def _class_body(atom: str) -> str | None:
    """What goes between a class's brackets to match what the one-character `atom` matches; None
    for a negated class, or a class holding `\\s` (RE2's differs)."""
    if atom.startswith("[^") or not _ONE_CHAR.match(atom):
        return None
    if atom.startswith("["):
        return None if "\\s" in atom or "\\S" in atom else atom[1:-1]
    if atom in (r"\w", r"\d"):
        return atom
    if len(atom) == 2 and atom[0] == "\\" and not atom[1].isalnum():
        return atom
    return atom if len(atom) == 1 and atom not in "\\[]^-." else None


def _translate_token(token: str, multiline: bool) -> str:
    if token == r"\Z":
        return r"\z"
    if token == r"\s":
        return f"[{_SPACE}]"
    if token == r"\S":
        return f"[^{_SPACE}]"
    if token == "$" and not multiline:
        return r"(?:\n?\z)"
    if token.startswith("[") and r"\s" in token:
        return re.sub(r"(?<!\\)((?:\\\\)*)\\s", lambda m: m.group(1) + _SPACE, token)
    return token


def _negate(atom: str) -> str:
    """A class matching one character that `atom` does not match."""
    if atom.startswith("[^"):
        return "[" + atom[2:]
    if atom.startswith("["):
        return "[^" + atom[1:]
    if atom in (r"\w", r"\d", r"\s"):
        return atom.upper() if atom != r"\s" else f"[^{_SPACE}]"
    if atom in (r"\W", r"\D"):
        return atom.lower()
    return f"[^{atom}]"


def _split_repeat(atom: str, repeat: re.Match[str]) -> str:
    low = int(repeat.group(1))
    lazy = repeat.group(3)
    parts = []
    while low > RE2_MAX_REPEAT:
        parts.append(f"{atom}{{{RE2_MAX_REPEAT}}}")
        low -= RE2_MAX_REPEAT
    parts.append(f"{atom}{{{low},}}{lazy}")
    return "".join(parts)


class Utf8Text:
    """A text and its UTF-8 bytes, with offsets converted both ways.

    Conversions go forward from the last one (matches arrive in order), so
    a whole scan costs one pass over the text; ASCII text needs none."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8", "surrogatepass")
        self.ascii = len(self.data) == len(text)
        self._char, self._byte = 0, 0

    def to_byte(self, char: int) -> int:
        if self.ascii:
            return char
        if char < self._char:
            self._char, self._byte = 0, 0
        self._byte += len(self.text[self._char:char].encode("utf-8", "surrogatepass"))
        self._char = char
        return self._byte

    def to_char(self, byte: int) -> int:
        if self.ascii:
            return byte
        if byte < self._byte:
            self._char, self._byte = 0, 0
        self._char += len(self.data[self._byte:byte].decode("utf-8", "surrogatepass"))
        self._byte = byte
        return self._char

    def previous_char_start(self, byte: int) -> int:
        """Byte offset of the character that ends at `byte`."""
        if byte <= 0:
            return 0
        byte -= 1
        while byte > 0 and 0x80 <= self.data[byte] < 0xC0:
            byte -= 1
        return byte


def finditer_spans(pattern: LinearPattern, utf8: Utf8Text, pos: int, endpos: int) -> Iterator[tuple[int, int]]:
    """Character spans of the secret group of each match in text[pos:endpos],
    in the order and with the overlaps `regex.finditer` would give."""
    regexp = pattern.regexp._regexp  # the C++ object: searching a memoryview copies nothing
    unanchored = re2._re2.RE2.Anchor.UNANCHORED
    end_b = utf8.to_byte(endpos)
    view = memoryview(utf8.data)[:end_b]
    at = floor = utf8.to_byte(pos)  # no match starts before pos, or before the previous one ended
    first = regexp
    if pattern.body_group is not None:
        at = utf8.previous_char_start(at)  # room for the lookbehind's character
        if at == 0 < floor:  # `\A` would start a match before pos: search without it once
            first = pattern.inside._regexp
    while at <= end_b:
        spans = first.Match(unanchored, view, at, end_b)
        first = regexp
        if spans[0][0] < 0:
            return
        start, end = spans[0]
        if pattern.end_group is not None:
            end = spans[pattern.end_group][0]
        body = spans[pattern.body_group][0] if pattern.body_group is not None else start
        secret = spans[pattern.group]
        if body < floor:
            at = _next_char(utf8.data, start)
            continue
        floor = end
        if secret[0] >= 0 and secret[0] != secret[1]:
            yield utf8.to_char(secret[0]), utf8.to_char(secret[1])
        following = utf8.previous_char_start(end) if pattern.body_group is not None else end
        at = following if following > start else _next_char(utf8.data, start)


def first_start(pattern: LinearPattern, utf8: Utf8Text, pos: int, endpos: int) -> int | None:
    """Character offset of the leftmost match's start in text[pos:endpos] (the text before `pos`
    seen as context, `endpos` as the end), or None."""
    end_b = utf8.to_byte(endpos)
    at = utf8.to_byte(pos)
    if at > end_b:
        return None
    spans = pattern.regexp._regexp.Match(re2._re2.RE2.Anchor.UNANCHORED, memoryview(utf8.data)[:end_b], at, end_b)
    return None if spans[0][0] < 0 else utf8.to_char(spans[0][0])


def _next_char(data: bytes, byte: int) -> int:
    byte += 1
    while byte < len(data) and 0x80 <= data[byte] < 0xC0:
        byte += 1
    return byte
