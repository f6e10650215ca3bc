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


def _expressions(rules: Sequence[Rule]) -> tuple[list[bytes], list[int], list[int]]:
    expressions, ids, flags = [], [], []
    for index, rule in enumerate(rules):
        if rule.pattern:
            expressions.append(widen_repeats(hyperscan_syntax(rule.pattern)).encode("utf-8"))
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
    compile per pattern cost a cold start of 800 rules about 12 s."""
    assert _hs is not None
    expressions, ids, flags = _expressions(rules)
    rejected = _rejected(list(range(len(expressions))), expressions)
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
    digest = hashlib.sha256(f"hs-{getattr(_hs, '__version__', '') if _hs else ''}-{_flags()}-widen32".encode())
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
