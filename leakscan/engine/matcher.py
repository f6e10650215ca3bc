"""Run the rules that the prefilter lets through, with their exact patterns."""
from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leakscan.engine.escapes import DecodedText, decode_json_escapes
from leakscan.engine.linear import LinearPattern, Utf8Text, compile_linear, compile_relaxed, finditer_spans, first_start
from leakscan.engine.prefilter import Prefilter, make_prefilter
from leakscan.model import Rule, ScanError
from leakscan.rules.loader import PATTERN_FLAGS

if TYPE_CHECKING:  # imported by compile_rule, for the few rules RE2 cannot run: most scans never load it (issue 20.3)
    import regex

# A rule stops after this many matches in one chunk: a minified bundle full of
# look-alikes must not turn one file into a million findings.
MAX_MATCHES_PER_RULE = 200
# Rules that need backtracking (lookaround, nested counted repeats) run on
# `regex`; one search of one rule stops after this long...
REGEX_TIMEOUT_SECONDS = 2.0
# ...and all backtracking searches in one file together after this long
# (wall clock), so a file with many values or many slow rules stays bounded.
FILE_BUDGET_SECONDS = 10.0
LINEAR, BACKTRACKING = "re2", "regex"
# A backtracking rule tried at this many starts RE2 found in one span without a match searches the
# rest of the span with `regex` alone: where such starts are dense (a keyword repeated), a call per
# start costs more than the search it spares.
RELAXED_MISSES = 32
# Lines of context around a keyword within which a generic rule is tried.
WINDOW_MARGIN_LINES = 1


@dataclass(frozen=True)
class RawMatch:
    """A rule's match in a chunk: the secret and its span, before any context is read."""

    rule: Rule
    secret: str
    start: int  # secret span in the chunk text
    end: int


@dataclass(frozen=True)
class SkippedWork:
    """A rule that did not search all of a text: the scan is incomplete there.
    Names the rule and place only, never the content."""
    rule_id: str
    path: str
    reason: str

    @property
    def message(self) -> str:
        return f"rule {self.rule_id} not searched to the end: {self.reason}"


@dataclass(frozen=True)
class CompiledRule:
    """A rule's pattern compiled for the engine that runs it (RE2 or `regex`)."""

    linear: LinearPattern | None  # set when RE2 runs the rule
    backtracking: regex.Pattern[str] | None  # otherwise `regex`
    group: int | str  # the secret's group in the rule's own pattern
    # With `regex`: RE2 for the pattern without its lookarounds, which finds where `regex` may match.
    relaxed: LinearPattern | None = None

    @property
    def engine(self) -> str:
        return LINEAR if self.linear is not None else BACKTRACKING


def compile_rule(pattern: str, use_re2: bool = True) -> CompiledRule:
    """RE2 when it can run the pattern exactly, else `regex`. A `regex` compile costs a few ms a rule,
    paid again in every worker: it is made only for the rules RE2 cannot run."""
    linear = compile_linear(pattern) if use_re2 else None
    if linear is not None:
        return CompiledRule(linear, None, linear.rule_group)
    import regex

    compiled = regex.compile(pattern, PATTERN_FLAGS)
    relaxed = compile_relaxed(pattern) if use_re2 else None
    return CompiledRule(None, compiled, "secret" if "secret" in compiled.groupindex else 1, relaxed)


class FileBudget:
    """Wall-clock time left for backtracking searches in the current file."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.path: str | None = None
        self.spent = 0.0

    def start(self, path: str) -> None:
        self.path, self.spent = path, 0.0

    def left(self) -> float:
        return self.seconds - self.spent


class Matcher:
    """Rules limited to some paths (`paths:`) get their own prefilter
    databases, one per combination of path-limited rules that apply, so a
    rule meant for data files costs nothing when scanning source code."""

    def __init__(self, rules: Sequence[Rule], use_hyperscan: bool | None = None,
                 use_re2: bool = True, file_budget: float = FILE_BUDGET_SECONDS,
                 regex_timeout: float = REGEX_TIMEOUT_SECONDS) -> None:
        self.rules: tuple[Rule, ...] = tuple(r for r in rules if r.pattern)
        self._use_hyperscan = use_hyperscan
        self._use_re2 = use_re2
        self.regex_timeout = regex_timeout
        self.budget = FileBudget(file_budget)
        self._skipped: list[SkippedWork] = []
        self._everywhere = tuple(i for i, r in enumerate(self.rules) if not r.paths)
        # Rules sharing a glob list share one compiled path test.
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, r in enumerate(self.rules):
            if r.paths:
                groups.setdefault(r.paths, []).append(i)
        self._limited = tuple((GlobTest(globs), tuple(ids)) for globs, ids in sorted(groups.items()))
        self._may_be_limited = GlobGate([glob for globs in groups for glob in globs])
        self._prefilters: dict[tuple[int, ...], tuple[Prefilter, tuple[int, ...]]] = {}
        self._compiled: dict[int, CompiledRule] = {}
        self._by_path: dict[str, tuple[int, ...]] = {}
        self.prefilter: Prefilter = self._prefilter_for(())[0]

    @property
    def prefilter_name(self) -> str:
        return self.prefilter.name

    def _prefilter_for(self, limited: tuple[int, ...]) -> tuple[Prefilter, tuple[int, ...]]:
        entry = self._prefilters.get(limited)
        if entry is None:
            entry = self._prefilters[limited] = self._made_prefilter(limited)
        return entry

    def _made_prefilter(self, limited: tuple[int, ...]) -> tuple[Prefilter, tuple[int, ...]]:
        indexes = tuple(sorted(self._everywhere + limited))
        return make_prefilter([self.rules[i] for i in indexes], self._use_hyperscan), indexes

    def applicable_limited(self, path: str) -> tuple[int, ...]:
        # Document scanners ask once per JSON value with the same path: cache.
        found = self._by_path.get(path)
        if found is None:
            if len(self._by_path) > 65536:  # a history scan visits every path of every era
                self._by_path.clear()
            base = posixpath.basename(path)
            if not self._may_be_limited.may_match(path, base):  # most paths: two string tests, no regex
                found = self._by_path[path] = ()
                return found
            found = self._by_path[path] = tuple(sorted(
                i for test, ids in self._limited if test.accepts(path, base) for i in ids))
        return found

    def prepare(self, paths: Iterable[str]) -> None:
        """Load now the prefilters these paths will use (before forking workers, which then share them).
        Several not loaded yet are made on threads at once: Hyperscan's compile releases the GIL, and a
        cold start (no cache directory, as on a fresh CI runner) compiled them one after another, 3.7 s
        each for the stdlib's three."""
        wanted = [limited for limited in dict.fromkeys(self.applicable_limited(path) for path in paths)
                  if limited not in self._prefilters]
        if len(wanted) == 1:
            self._prefilter_for(wanted[0])
        elif wanted:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(len(wanted), os.cpu_count() or 1)) as pool:
                self._prefilters.update(zip(wanted, pool.map(self._made_prefilter, wanted), strict=True))

    def could_match(self, text: str, path: str = "", data: bytes | None = None) -> bool:
        """Whether any rule that applies at `path` can match `text` (the prefilter alone)."""
        prefilter, _ = self._prefilter_for(self.applicable_limited(path))
        return prefilter.any_candidate(text, data)

    def start_file(self, path: str) -> None:
        """A new file begins: its backtracking searches get a fresh budget."""
        self.budget.start(path)

    def take_skipped(self) -> list[SkippedWork]:
        """Work skipped since the last call (guard or budget hit); clears the list."""
        skipped, self._skipped = self._skipped, []
        return skipped

    def take_errors(self) -> list[ScanError]:
        """`take_skipped` as report errors: the scan of these paths is incomplete."""
        if not self._skipped:  # asked after every blob of a history (228,000 on rails/rails)
            return []
        return [ScanError(s.path, s.message) for s in self.take_skipped()]

    def compiled(self, index: int) -> CompiledRule:
        entry = self._compiled.get(index)
        if entry is None:
            entry = self._compiled[index] = compile_rule(self.rules[index].pattern or "", self._use_re2)
        return entry

    def engine_of(self, rule_id: str) -> str:
        """`re2` (linear time) or `regex` (backtracking, guarded) for a rule."""
        index = next(i for i, r in enumerate(self.rules) if r.id == rule_id)
        return self.compiled(index).engine

    def find(self, text: str, path: str = "", data: bytes | None = None,
             cap: int = MAX_MATCHES_PER_RULE) -> list[RawMatch]:
        """Every rule the prefilter lets through, each stopped after `cap` matches (said in
        `take_skipped`). A caller that joins many values into one text raises `cap` with their
        number and holds each value to MAX_MATCHES_PER_RULE itself (`note_capped`)."""
        if path != self.budget.path:  # callers that do not say when a file starts
            self.budget.start(path)
        prefilter, indexes = self._prefilter_for(self.applicable_limited(path))
        matches: list[RawMatch] = []
        lowered: str | None = None  # shared by every generic rule that runs on this chunk
        utf8: Utf8Text | None = None  # shared by every rule that runs on RE2
        for local in prefilter.candidates(text, data):
            index = indexes[local]
            if self.rules[index].is_generic and lowered is None:
                lowered = ascii_lower(text)
            if utf8 is None and (self.compiled(index).linear or self.compiled(index).relaxed) is not None:
                utf8 = Utf8Text(text)
            matches.extend(self.run_rule(index, text, path, lowered, utf8, cap))
        decoded = decode_json_escapes(text, data)
        if decoded is not None:  # `"sk-\u0041..."`, `"https:\/\/..."`: match what the string says
            matches = _merge_decoded(matches, self._decoded_matches(decoded, path, prefilter, indexes, cap))
        return matches

    def _decoded_matches(self, decoded: DecodedText, path: str, prefilter: Prefilter,
                         indexes: tuple[int, ...], cap: int = MAX_MATCHES_PER_RULE) -> list[RawMatch]:
        """Matches in the JSON-unescaped text, at the offsets of the text as written."""
        lowered, utf8 = ascii_lower(decoded.text), Utf8Text(decoded.text)
        found: list[RawMatch] = []
        for local in prefilter.candidates(decoded.text, None):
            for m in self.run_rule(indexes[local], decoded.text, path, lowered, utf8, cap):
                found.append(RawMatch(m.rule, m.secret, *decoded.span(m.start, m.end)))
        return found

    def run_rule(self, index: int, text: str, path: str = "", lowered: str | None = None,
                 utf8: Utf8Text | None = None, cap: int = MAX_MATCHES_PER_RULE) -> list[RawMatch]:
        """One rule on `text`, the prefilter not asked (`find` asks it first), stopped after `cap` matches."""
        rule, compiled = self.rules[index], self.compiled(index)
        spans = keyword_windows(text, rule.keywords, lowered) if rule.is_generic else [(0, len(text))]
        if compiled.linear is not None:
            found = _run_linear(rule, compiled.linear, utf8 or Utf8Text(text), spans, cap)
        else:
            found = self._run_backtracking(rule, compiled, utf8 or Utf8Text(text), spans, path, cap)
        if len(found) >= cap:  # the cap is skipped work too: say so, never drop silently
            self.note_capped(rule, path, cap)
        return found

    def note_capped(self, rule: Rule, path: str, cap: int = MAX_MATCHES_PER_RULE, where: str = "") -> None:
        """Say that `rule` stopped after `cap` matches (`where`: in what, when not the whole text)."""
        self._skip(rule, path, f"stopped after {cap} matches{where}; the rest was not searched for this rule")

    def _run_backtracking(self, rule: Rule, compiled: CompiledRule, utf8: Utf8Text,
                          spans: list[tuple[int, int]], path: str, cap: int = MAX_MATCHES_PER_RULE) -> list[RawMatch]:
        assert compiled.backtracking is not None
        found: list[RawMatch] = []
        group, text = compiled.group, utf8.text
        for pos, endpos in spans:
            timeout = min(self.regex_timeout, self.budget.left())
            if timeout <= 0:
                self._skip(rule, path, f"file time budget of {self.budget.seconds:g} s for backtracking rules used up")
                return found
            started = time.monotonic()
            try:
                for m in _backtracking_matches(compiled, utf8, pos, endpos, timeout):
                    start, end = m.span(group)
                    if start < 0 or start == end:
                        continue
                    found.append(RawMatch(rule, m.group(group), start, end))
                    if len(found) >= cap:
                        return found
            except TimeoutError:  # keep what was found before, and say what was not searched
                limit = "regex guard" if timeout == self.regex_timeout else "file time budget"
                line = text.count("\n", 0, pos) + 1
                self._skip(rule, path, f"{limit} of {timeout:g} s hit searching from line {line}")
                return found
            finally:
                self.budget.spent += time.monotonic() - started
        return found

    def _skip(self, rule: Rule, path: str, reason: str) -> None:
        if not any(s.rule_id == rule.id and s.path == path for s in self._skipped):
            self._skipped.append(SkippedWork(rule.id, path, reason))


def _backtracking_matches(compiled: CompiledRule, utf8: Utf8Text, pos: int, endpos: int,
                          timeout: float) -> Iterator[regex.Match[str]]:
    """`regex.finditer` over text[pos:endpos], trying `regex` only at the starts where the relaxed
    pattern (RE2) matches: the pattern matches nowhere else, and RE2 skips the rest in linear time.
    `timeout` bounds all the `regex` work of the call, as it bounds one `finditer`."""
    assert compiled.backtracking is not None
    pattern, text, relaxed = compiled.backtracking, utf8.text, compiled.relaxed
    if relaxed is None:
        yield from pattern.finditer(text, pos, endpos, timeout=timeout)
        return
    deadline = time.monotonic() + timeout
    at, misses = pos, 0
    while (start := first_start(relaxed, utf8, at, endpos)) is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("regex time out")
        if misses == RELAXED_MISSES:  # no match starts in [at, start): the search can go on from there
            yield from pattern.finditer(text, start, endpos, timeout=left)
            return
        m = pattern.match(text, start, endpos, timeout=left)
        if m is None:
            at, misses = start + 1, misses + 1
        elif m.end() > start:
            yield m
            at = m.end()
        else:  # an empty match: finditer's rules for what may follow it apply
            yield from pattern.finditer(text, start, endpos, timeout=left)
            return


def _run_linear(rule: Rule, pattern: LinearPattern, utf8: Utf8Text,
                spans: list[tuple[int, int]], cap: int = MAX_MATCHES_PER_RULE) -> list[RawMatch]:
    found: list[RawMatch] = []
    for pos, endpos in spans:
        for start, end in finditer_spans(pattern, utf8, pos, endpos):
            found.append(RawMatch(rule, utf8.text[start:end], start, end))
            if len(found) >= cap:
                return found
    return found


def _merge_decoded(written: list[RawMatch], decoded: list[RawMatch]) -> list[RawMatch]:
    """Decoded matches replace a written match of the same rule they cover (the token cut at an escape)."""
    spans = {(m.rule.id, m.start, m.end) for m in written}
    extra = [m for m in decoded if (m.rule.id, m.start, m.end) not in spans]
    kept = [m for m in written if not any(
        d.rule.id == m.rule.id and d.start <= m.start and m.end <= d.end for d in extra)]
    return kept + extra


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
# The only characters whose str.lower() is longer ('İ' -> 'i̇') or ASCII (the Kelvin sign -> 'k').
_LOWER_CHANGES_ASCII = ("\u0130", "\u212a")


def ascii_lower(text: str) -> str:
    """`text` with A-Z lowercased, every offset kept, so that positions found in it are positions in
    `text`; other letters may be lowercased too, never into ASCII, so an ASCII keyword is found at
    the same places as in A-Z lowercased alone. str.lower() is that unless one of two characters
    is there; `translate` (A-Z only) costs about 15 times as much on non-ASCII text."""
    if text.isascii() or not any(c in text for c in _LOWER_CHANGES_ASCII):
        return text.lower()
    return text.translate(_ASCII_LOWER)


def keyword_windows(text: str, keywords: Sequence[str], lowered: str | None = None,
                    margin: int = WINDOW_MARGIN_LINES) -> list[tuple[int, int]]:
    """Merged spans of the lines holding a keyword, `margin` lines either side.

    Generic rules (keyword context + value on one line) have broad patterns
    that are slow to try at every offset of a large file; their matches sit
    on a keyword's line, so trying them there finds the same matches. The
    spans are searched with pos/endpos on the whole text, so `^` and
    lookbehinds still see the real context. Keywords are ASCII; `lowered`
    is `ascii_lower(text)` when the caller already has it."""
    lowered = ascii_lower(text) if lowered is None else lowered
    spans: list[tuple[int, int]] = []
    for keyword in keywords:
        at = lowered.find(keyword)
        while at != -1:
            start, end = text.rfind("\n", 0, at) + 1, at + len(keyword)
            for _ in range(margin):
                if start == 0:
                    break
                start = text.rfind("\n", 0, start - 1) + 1
            for _ in range(margin + 1):
                nl = text.find("\n", end)
                end = len(text) if nl == -1 else nl + 1
            spans.append((start, end))
            at = lowered.find(keyword, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


class GlobGate:
    """A test that is False only when none of the fnmatch globs accepts a path or its base name:
    what a glob matches starts with its text before the first wildcard and ends with its text
    after the last one (`*.json` ends with `.json`, `.env.*` starts with `.env.`)."""

    def __init__(self, globs: Iterable[str]) -> None:
        ends, starts, self.always = [], [], False
        for glob in globs:
            first = min((at for at in map(glob.find, "*?[") if at >= 0), default=len(glob))
            last = max(glob.rfind(c) for c in "*?[]")
            if last + 1 < len(glob):
                ends.append(glob[last + 1:])
            elif first > 0:
                starts.append(glob[:first])
            else:
                self.always = True  # `*`, `*[abc]`: nothing to test cheaply
        self.ends, self.starts = tuple(ends), tuple(starts)

    def may_match(self, path: str, base: str) -> bool:
        # The base name ends the path: its endings are the path's.
        return self.always or path.endswith(self.ends) or path.startswith(self.starts) or base.startswith(self.starts)


class GlobTest:
    """`compile_globs` of one glob list, compiled on its first use behind its own GlobGate: a scan meets
    few of the rules' glob lists, and a hook on a source file none (start-up, issue 20.3)."""

    def __init__(self, globs: Sequence[str]) -> None:
        self.globs, self.gate = tuple(globs), GlobGate(globs)
        self._pattern: re.Pattern[str] | None = None

    def match(self, name: str) -> bool:
        if self._pattern is None:
            self._pattern = compile_globs(self.globs)
        return self._pattern.match(name) is not None

    def accepts(self, path: str, base: str) -> bool:
        return self.gate.may_match(path, base) and (self.match(path) or self.match(base))


def compile_globs(globs: Sequence[str]) -> re.Pattern[str]:
    """One regex accepting what any of the fnmatch globs accepts."""
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs))

