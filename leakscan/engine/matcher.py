"""Run the rules that the prefilter lets through, with their exact patterns."""
from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from typing import Sequence

import regex

from leakscan.engine.prefilter import Prefilter, make_prefilter
from leakscan.model import Rule
from leakscan.rules.loader import PATTERN_FLAGS

# A rule stops after this many matches in one chunk: a minified bundle full of
# look-alikes must not turn one file into a million findings.
MAX_MATCHES_PER_RULE = 200
# Guard against catastrophic backtracking on hostile input.
REGEX_TIMEOUT_SECONDS = 2.0
# Lines of context around a keyword within which a generic rule is tried.
WINDOW_MARGIN_LINES = 1


@dataclass(frozen=True)
class RawMatch:
    rule: Rule
    secret: str
    start: int  # secret span in the chunk text
    end: int


class Matcher:
    """Rules limited to some paths (`paths:`) get their own prefilter
    databases, one per combination of path-limited rules that apply, so a
    rule meant for data files costs nothing when scanning source code."""

    def __init__(self, rules: Sequence[Rule], use_hyperscan: bool | None = None) -> None:
        self.rules: tuple[Rule, ...] = tuple(r for r in rules if r.pattern)
        self._use_hyperscan = use_hyperscan
        self._everywhere = tuple(i for i, r in enumerate(self.rules) if not r.paths)
        # Rules sharing a glob list share one compiled path test.
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, r in enumerate(self.rules):
            if r.paths:
                groups.setdefault(r.paths, []).append(i)
        self._limited = tuple((compile_globs(globs), tuple(ids)) for globs, ids in sorted(groups.items()))
        self._prefilters: dict[tuple[int, ...], tuple[Prefilter, tuple[int, ...]]] = {}
        self._compiled: dict[int, regex.Pattern] = {}
        self._by_path: dict[str, tuple[int, ...]] = {}
        self.prefilter: Prefilter = self._prefilter_for(())[0]

    @property
    def prefilter_name(self) -> str:
        return self.prefilter.name

    def _prefilter_for(self, limited: tuple[int, ...]) -> tuple[Prefilter, tuple[int, ...]]:
        entry = self._prefilters.get(limited)
        if entry is None:
            indexes = tuple(sorted(self._everywhere + limited))
            prefilter = make_prefilter([self.rules[i] for i in indexes], self._use_hyperscan)
            entry = self._prefilters[limited] = (prefilter, indexes)
        return entry

    def applicable_limited(self, path: str) -> tuple[int, ...]:
        # Document scanners ask once per JSON value with the same path: cache.
        found = self._by_path.get(path)
        if found is None:
            if len(self._by_path) > 65536:  # a history scan visits every path of every era
                self._by_path.clear()
            base = posixpath.basename(path)
            found = self._by_path[path] = tuple(sorted(
                i for test, ids in self._limited if test.match(path) or test.match(base) for i in ids))
        return found

    def could_match(self, text: str, path: str = "", data: bytes | None = None) -> bool:
        """Whether any rule that applies at `path` can match `text` (the prefilter alone)."""
        prefilter, _ = self._prefilter_for(self.applicable_limited(path))
        return prefilter.any_candidate(text, data)

    def find(self, text: str, path: str = "", data: bytes | None = None) -> list[RawMatch]:
        prefilter, indexes = self._prefilter_for(self.applicable_limited(path))
        matches: list[RawMatch] = []
        lowered: str | None = None  # shared by every generic rule that runs on this chunk
        for local in prefilter.candidates(text, data):
            index = indexes[local]
            rule = self.rules[index]
            if rule.is_generic and lowered is None:
                lowered = ascii_lower(text)
            matches.extend(self._run(index, rule, text, lowered))
        return matches

    def _run(self, index: int, rule: Rule, text: str, lowered: str | None = None) -> list[RawMatch]:
        pattern = self._compiled.get(index)
        if pattern is None:
            pattern = self._compiled[index] = regex.compile(rule.pattern or "", PATTERN_FLAGS)
        group: int | str = "secret" if "secret" in pattern.groupindex else 1
        spans = keyword_windows(text, rule.keywords, lowered) if rule.is_generic else [(0, len(text))]
        found: list[RawMatch] = []
        try:
            for pos, endpos in spans:
                for m in pattern.finditer(text, pos, endpos, timeout=REGEX_TIMEOUT_SECONDS):
                    start, end = m.span(group)
                    if start < 0 or start == end:
                        continue
                    found.append(RawMatch(rule, m.group(group), start, end))
                    if len(found) >= MAX_MATCHES_PER_RULE:
                        return found
        except TimeoutError:
            pass  # keep what was found before the guard tripped
        return found


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def ascii_lower(text: str) -> str:
    """Lowercase A-Z only: unlike str.lower() ('İ' becomes two characters) it
    keeps every offset, so positions found in it are positions in `text`."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


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


def compile_globs(globs: Sequence[str]) -> "re.Pattern[str]":
    """One regex accepting what any of the fnmatch globs accepts."""
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs))

