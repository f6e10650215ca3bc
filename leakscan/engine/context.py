"""Engine: the loaded rules and matcher, and rule matches turned into candidates."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Optional

from leakscan.config import Config
from leakscan.engine.matcher import Matcher, RawMatch
from leakscan.model import Candidate, Chunk, Rule
from leakscan.rules.loader import load_rules
from leakscan.suppress import inline_ignored

MAX_LINE_TEXT = 2000  # characters of a line kept for context and ignores


@dataclass(frozen=True)
class Engine:
    rules: tuple[Rule, ...]
    matcher: Matcher
    config: Config
    by_id: dict[str, Rule] = field(default_factory=dict, compare=False)

    @classmethod
    def build(cls, config: Config, rules: Optional[tuple[Rule, ...]] = None) -> "Engine":
        rules = rules if rules is not None else load_rules(config.rule_files, config.disabled_rules)
        return cls(rules, Matcher(rules, config.use_hyperscan), config, {r.id: r for r in rules})

    def rule(self, rule_id: str) -> Rule:
        return self.by_id[rule_id]

    def candidates(self, chunk: Chunk, data: bytes | None = None) -> list[Candidate]:
        """Every rule match in the chunk as a candidate with its line and column."""
        matches = self.matcher.find(chunk.text, chunk.origin.path, data)
        if not matches:
            return []
        lines = LineIndex(chunk.text)
        out = []
        for match in matches:
            candidate = to_candidate(match, chunk, lines)
            if not inline_ignored(candidate.rule.id, candidate.line_text, candidate.before):
                out.append(candidate)
        return out


class LineIndex:
    """Offsets of line starts, for turning a character offset into line and column."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = find("\n", pos + 1)

    def line_of(self, offset: int) -> int:
        """0-based line number of a character offset."""
        return bisect.bisect_right(self.starts, offset) - 1

    def line_text(self, index: int) -> str:
        if index < 0 or index >= len(self.starts):
            return ""
        start = self.starts[index]
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.text)
        return self.text[start:min(end, start + MAX_LINE_TEXT)].rstrip("\r")


def to_candidate(match: RawMatch, chunk: Chunk, lines: LineIndex) -> Candidate:
    origin = chunk.origin
    first = lines.line_of(match.start)
    last = lines.line_of(max(match.start, match.end - 1))
    column = match.start - lines.starts[first] + 1
    end_column = match.end - lines.starts[last] + 1
    if first == 0:
        column += origin.column_offset
    if last == 0:
        end_column += origin.column_offset
    text = "\n".join(lines.line_text(i) for i in range(first, min(last, first + 3) + 1))
    return Candidate(
        rule=match.rule,
        secret=match.secret,
        origin=origin,
        line=origin.line_offset + first + 1,
        column=column,
        end_line=origin.line_offset + last + 1,
        end_column=end_column,
        line_text=text,
        before=lines.line_text(first - 1),
    )
