"""Which rules can match a chunk at all: Hyperscan when installed, keywords otherwise.

Both prefilters are sound for the exact matcher that follows: they may let
through a rule that then does not match, never drop one that would. So the
findings are the same with and without Hyperscan; only the time differs.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from leakscan.cache import cache_dir as default_cache_dir
from leakscan.cache import write_atomic
from leakscan.model import Rule

try:  # optional dependency: wheels exist for the common platforms only
    import hyperscan as _hs
except ImportError:  # pragma: no cover - exercised on platforms without wheels
    # The optional-import idiom: mypy types `_hs` as the module (hyperscan ships
    # stubs); every use below first checks `_hs is not None` / HAVE_HYPERSCAN.
    _hs = None  # type: ignore[assignment]

HAVE_HYPERSCAN = _hs is not None


class Prefilter(Protocol):
    name: str

    def candidates(self, text: str, data: bytes | None = None) -> list[int]:
        """Indexes (into the rule list) of rules that may match `text`."""

    def any_candidate(self, text: str, data: bytes | None = None) -> bool:
        """Whether any rule may match: bool(candidates(...)), stopping at the first."""


class KeywordPrefilter:
    """Pure-Python fallback: a rule runs when one of its keywords occurs."""

    name = "keywords"

    def __init__(self, rules: Sequence[Rule]) -> None:
        by_keyword: dict[str, list[int]] = {}
        for index, rule in enumerate(rules):
            for keyword in rule.keywords:
                by_keyword.setdefault(keyword.lower(), []).append(index)
        self._by_keyword = sorted(by_keyword.items())

    def candidates(self, text: str, data: bytes | None = None) -> list[int]:
        lowered = text.lower()
        hits: set[int] = set()
        for keyword, indexes in self._by_keyword:
            if keyword in lowered:
                hits.update(indexes)
        return sorted(hits)

    def any_candidate(self, text: str, data: bytes | None = None) -> bool:
        lowered = text.lower()
        return any(keyword in lowered for keyword, _ in self._by_keyword)


class HyperscanPrefilter:
    """One Hyperscan database holding every rule's pattern in prefilter mode.

    A pattern Hyperscan cannot take even approximately is replaced by its
    keywords as caseless literals, so the database still answers for it.
    """

    name = "hyperscan"

    def __init__(self, rules: Sequence[Rule], cache_dir: Path | None = None) -> None:
        assert _hs is not None
        self._db = _load_or_build(rules, cache_dir) if rules else None

    def candidates(self, text: str, data: bytes | None = None) -> list[int]:
        hits: set[int] = set()
        if self._db is None:  # no pattern rules at all
            return []

        def on_match(rule_index: int, start: int, end: int, flags: int, ctx: object) -> None:
            hits.add(rule_index)

        payload = data if data is not None else text.encode("utf-8", "replace")
        self._db.scan(payload, match_event_handler=on_match)
        return sorted(hits)

    def any_candidate(self, text: str, data: bytes | None = None) -> bool:
        if self._db is None:
            return False
        payload = data if data is not None else text.encode("utf-8", "replace")
        try:
            self._db.scan(payload, match_event_handler=_stop)
        except _hs.ScanTerminated:  # the handler stopped the scan at the first match
            return True
        return False


def _stop(rule_index: int, start: int, end: int, flags: int, ctx: object) -> bool:
    return True


def _flags() -> int:
    assert _hs is not None
    return _hs.HS_FLAG_PREFILTER | _hs.HS_FLAG_UTF8 | _hs.HS_FLAG_SINGLEMATCH | _hs.HS_FLAG_ALLOWEMPTY


def _literal_flags() -> int:
    assert _hs is not None
    return _hs.HS_FLAG_CASELESS | _hs.HS_FLAG_SINGLEMATCH


def _escape_literal(keyword: str) -> bytes:
    return "".join(f"\\x{b:02x}" for b in keyword.encode("utf-8")).encode()


def widen_repeats(pattern: str, cap: int = 32) -> str:
    """The pattern with every counted repeat made open-ended: `{m,n}` → `{min(m,cap),}`.

    Bounded repeats such as `[\\s\\S]{0,300}` make Hyperscan build huge
    automata (seconds to a minute per pattern); the widened pattern accepts a
    superset of texts, so the prefilter stays sound and compiles in ms. The
    exact `regex` pattern still decides what matches.
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if pattern[i:i + 1] == "^":
                out.append("^")
                i += 1
            if pattern[i:i + 1] == "]":  # a literal ] first in a class
                out.append("]")
                i += 1
            continue
        elif ch == "{":
            m = _REPEAT.match(pattern, i)
            if m:
                low = int(m.group(1) or 0)
                fixed = m.group(2) is None
                if fixed and low <= cap:
                    out.append(m.group(0))
                else:
                    out.append("*" if low == 0 else "+" if low == 1 else f"{{{min(low, cap)},}}")
                i = m.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


_REPEAT = re.compile(r"\{(\d*)(,\d*)?\}")


_NAMED_GROUP = re.compile(r"(?<!\\)\(\?P<\w+>")
_UNICODE_ESCAPE = re.compile(r"(?<!\\)\\u([0-9A-Fa-f]{4})")


def hyperscan_syntax(pattern: str) -> str:
    r"""The pattern in the PCRE dialect Hyperscan reads: groups unnamed (it captures nothing, and a
    name used twice, in two alternatives, is an error there) and `\uXXXX` written `\x{XXXX}`."""
    return _UNICODE_ESCAPE.sub(r"\\x{\1}", _NAMED_GROUP.sub("(", pattern))


# Existence forms. The database is asked only whether a rule matches somewhere (SINGLEMATCH, no
# offsets kept), and a match of `A B C` holds a match of `B`: the parts before and after what a
# match cannot do without are left out, which made the synthetic history's negative regions scan
# 10-18 % faster (the stack-trace rules' optional driver prefixes and trailing detail lines cost most).
_GLOBAL_FLAGS = re.compile(r"(?:\(\?[aiLmsu]+\))*")
_QUANTIFIER = re.compile(r"(?:[*+?]|\{(\d*)(?:,\d*)?\})[?+]?")
_GROUP_OPEN = re.compile(r"\((?:\?:|\?P<\w+>)?")
_ESCAPE_ATOM = re.compile(r"\\(?:x\{[0-9A-Fa-f]+\}|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}"
                          r"|[NpP]\{[^}]*\}|[pP]\w|0[0-7]{0,2}|.)", re.S)
_UNSAFE = re.compile(r"\\[1-9]|\\g<|\(\?P=|\(\?\(|\(\?[aiLmsux-]*x")  # backreferences, conditionals, verbose
_ASSERTIONS = ("^", "$", "\\b", "\\B", "\\A", "\\Z", "\\z", "\\G")
_Atom = tuple[str, str]  # an atom (character, escape, class or group) and its quantifier


def existence_form(pattern: str) -> str:
    """What `pattern` matches whenever it matches at all: the same pattern without the atoms a
    match can do without at the start and end of a branch (optional parts, zero-width assertions),
    and a group that is all that remains opened. A superset of the texts `pattern` is found in; the
    pattern itself when that cannot be shown simply (backreferences, conditionals, verbose mode)."""
    if _UNSAFE.search(pattern):
        return pattern
    head = _GLOBAL_FLAGS.match(pattern)
    assert head is not None  # the pattern matches empty at worst
    try:
        body = _existence_branches(pattern[head.end():])
    except IndexError:  # an unclosed group or class: not a pattern; Hyperscan refuses it as written
        return pattern
    return pattern if body is None else head.group(0) + body


def _existence_branches(body: str) -> str | None:
    parts = []
    for branch in _branches(body):
        part = _existence_sequence(branch)
        if part is None:  # a branch that may match nothing: every text has a match
            return None
        parts.append(part)
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _existence_sequence(atoms: list[_Atom]) -> str | None:
    start, end = 0, len(atoms)
    while start < end and _may_be_empty(*atoms[start]):
        start += 1
    while end > start and _may_be_empty(*atoms[end - 1]):
        end -= 1
    if start == end:
        return None
    if end - start == 1:
        atom, quantifier = atoms[start]
        content = _plain_group_content(atom)
        if content is not None and _at_least_once(quantifier):
            inner = _existence_branches(content)
            if inner is not None:
                return inner
    return "".join(atom + quantifier for atom, quantifier in atoms[start:end])


def _may_be_empty(atom: str, quantifier: str) -> bool:
    if not _at_least_once(quantifier) or atom in _ASSERTIONS or atom.startswith(("(?=", "(?!", "(?<=", "(?<!")):
        return True
    content = _plain_group_content(atom)
    return content is not None and any(all(_may_be_empty(*a) for a in branch) for branch in _branches(content))


def _at_least_once(quantifier: str) -> bool:
    if not quantifier or quantifier[0] == "+":
        return True
    counted = _QUANTIFIER.fullmatch(quantifier)
    return quantifier[0] == "{" and counted is not None and int(counted.group(1) or 0) >= 1


def _plain_group_content(atom: str) -> str | None:
    """The content of a `(…)`, `(?:…)` or `(?P<name>…)` group; None for anything else (flags,
    lookarounds, atomic groups)."""
    opened = _GROUP_OPEN.match(atom)
    if opened is None or atom[opened.end():opened.end() + 1] == "?":
        return None
    return atom[opened.end():-1]


def _branches(body: str) -> list[list[_Atom]]:
    """The top-level alternatives of `body`, each a list of atoms with their quantifiers."""
    branches: list[list[_Atom]] = [[]]
    at = 0
    while at < len(body):
        if body[at] == "|":
            branches.append([])
            at += 1
            continue
        end = _atom_end(body, at)
        counted = _QUANTIFIER.match(body, end) if body[at] not in "^$" else None
        quantifier = counted.group(0) if counted else ""
        branches[-1].append((body[at:end], quantifier))
        at = end + len(quantifier)
    return branches


def _atom_end(body: str, at: int) -> int:
    if body[at] == "\\":
        escape = _ESCAPE_ATOM.match(body, at)
        return escape.end() if escape else at + 1
    if body[at] == "[":
        at += 1 + (body[at + 1:at + 2] == "^")
        at += body[at:at + 1] == "]"  # a literal ] first in a class
        while body[at] != "]":
            at += 2 if body[at] == "\\" else 1
        return at + 1
    if body[at] == "(":
        depth = 0
        while True:
            if body[at] in "\\[":
                at = _atom_end(body, at)
                continue
            depth += {"(": 1, ")": -1}.get(body[at], 0)
            at += 1
            if depth == 0:
                return at
    return at + 1


def _expressions(rules: Sequence[Rule]) -> tuple[list[bytes], list[int], list[int]]:
    expressions, ids, flags = [], [], []
    for index, rule in enumerate(rules):
        if rule.pattern:
            expressions.append(widen_repeats(hyperscan_syntax(existence_form(rule.pattern))).encode("utf-8"))
            ids.append(index)
            flags.append(_flags())
    return expressions, ids, flags


def _keyword_expressions(rule_index: int, rule: Rule) -> tuple[list[bytes], list[int], list[int]]:
    words = [_escape_literal(k) for k in rule.keywords]
    return words, [rule_index] * len(words), [_literal_flags()] * len(words)


def _compile(rules: Sequence[Rule]) -> _hs.Database:
    """One database for all rules; a pattern Hyperscan rejects falls back to
    its keywords as literals. The rejected ones are found by halving the set
    (only when the combined compile fails): a handful of compiles, where one
    compile per pattern cost a cold start of 800 rules about 12 s. The combined
    compile is the database when it succeeds, not a test before compiling it
    again (3.7 s of an 843-rule set's 7.4 s cold start, per database)."""
    assert _hs is not None
    expressions, ids, flags = _expressions(rules)
    db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
    try:
        db.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
        return db
    except _hs.error:  # the whole set fails: its halves are where the bisection starts
        pass
    members = list(range(len(expressions)))
    half = len(members) // 2
    rejected = _rejected(members[:half], expressions) | _rejected(members[half:], expressions)
    keep_e = [e for n, e in enumerate(expressions) if n not in rejected]
    keep_i = [i for n, i in enumerate(ids) if n not in rejected]
    keep_f = [f for n, f in enumerate(flags) if n not in rejected]
    for n in sorted(rejected):
        e, i, f = _keyword_expressions(ids[n], rules[ids[n]])
        keep_e += e
        keep_i += i
        keep_f += f
    db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
    db.compile(expressions=keep_e, ids=keep_i, elements=len(keep_e), flags=keep_f)
    return db


def _rejected(members: list[int], expressions: Sequence[bytes]) -> set[int]:
    """Indexes of the expressions Hyperscan will not compile, by bisection."""
    if not members or _compiles_all([expressions[n] for n in members]):
        return set()
    if len(members) == 1:
        return set(members)
    half = len(members) // 2
    return _rejected(members[:half], expressions) | _rejected(members[half:], expressions)


def _compiles_all(patterns: Sequence[bytes]) -> bool:
    assert _hs is not None
    try:
        _hs.Database(mode=_hs.HS_MODE_BLOCK).compile(expressions=list(patterns), ids=list(range(len(patterns))),
                                                     elements=len(patterns), flags=[_flags()] * len(patterns))
    except _hs.error:
        return False
    return True


def _cache_key(rules: Sequence[Rule]) -> str:
    digest = hashlib.sha256(f"hs-{getattr(_hs, '__version__', '') if _hs else ''}-{_flags()}-widen32-exists1".encode())
    for rule in rules:
        digest.update(b"\0" + (rule.pattern or "").encode() + b"\0" + "\0".join(rule.keywords).encode())
    return digest.hexdigest()[:32]


def _load_or_build(rules: Sequence[Rule], cache_dir: Path | None) -> _hs.Database:
    """Compiling ~200 patterns takes seconds; a serialized database loads in ms."""
    assert _hs is not None
    cache = (cache_dir or default_cache_dir()) / f"hs-{_cache_key(rules)}.db"
    try:
        db = _hs.loadb(cache.read_bytes(), _hs.HS_MODE_BLOCK)
        # A deserialized database comes without scratch space.
        db.scratch = _hs.Scratch(db)
        return db
    except (OSError, _hs.error, ValueError, TypeError):
        pass
    db = _compile(rules)
    write_atomic(cache, _hs.dumpb(db))
    return db


def make_prefilter(rules: Sequence[Rule], use_hyperscan: bool | None = None) -> Prefilter:
    """`use_hyperscan`: None picks Hyperscan when installed; False forces keywords."""
    if use_hyperscan is False or not HAVE_HYPERSCAN:
        if use_hyperscan:
            raise RuntimeError("Hyperscan was requested but the hyperscan package is not installed")
        return KeywordPrefilter(rules)
    return HyperscanPrefilter(rules)
