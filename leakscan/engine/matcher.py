"""Run the rules that the prefilter lets through, with their exact patterns."""
from __future__ import annotations

import fnmatch
import posixpath
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


@dataclass(frozen=True)
class RawMatch:
    rule: Rule
    secret: str
    start: int  # secret span in the chunk text
    end: int


class Matcher:
    def __init__(self, rules: Sequence[Rule], use_hyperscan: bool | None = None) -> None:
        self.rules: tuple[Rule, ...] = tuple(r for r in rules if r.pattern)
        self.prefilter: Prefilter = make_prefilter(self.rules, use_hyperscan)
        self._compiled: dict[int, regex.Pattern] = {}

    @property
    def prefilter_name(self) -> str:
        return self.prefilter.name

    def find(self, text: str, path: str = "", data: bytes | None = None) -> list[RawMatch]:
        matches: list[RawMatch] = []
        for index in self.prefilter.candidates(text, data):
            rule = self.rules[index]
            if rule.paths and not path_matches(path, rule.paths):
                continue
            matches.extend(self._run(index, rule, text))
        return matches

    def _run(self, index: int, rule: Rule, text: str) -> list[RawMatch]:
        pattern = self._compiled.get(index)
        if pattern is None:
            pattern = self._compiled[index] = regex.compile(rule.pattern or "", PATTERN_FLAGS)
        group: int | str = "secret" if "secret" in pattern.groupindex else 1
        found: list[RawMatch] = []
        try:
            for m in pattern.finditer(text, timeout=REGEX_TIMEOUT_SECONDS):
                start, end = m.span(group)
                if start < 0 or start == end:
                    continue
                found.append(RawMatch(rule, m.group(group), start, end))
                if len(found) >= MAX_MATCHES_PER_RULE:
                    break
        except TimeoutError:
            pass  # keep what was found before the guard tripped
        return found


def path_matches(path: str, globs: Sequence[str]) -> bool:
    base = posixpath.basename(path)
    return any(fnmatch.fnmatchcase(path, g) or fnmatch.fnmatchcase(base, g) for g in globs)
