"""Engine: the loaded rules and matcher, and rule matches turned into candidates."""
from __future__ import annotations

from dataclasses import dataclass, field

from leakscan.config import Config
from leakscan.engine.matcher import Matcher, RawMatch
from leakscan.model import Candidate, Chunk, Rule
from leakscan.rules.loader import load_rules

MAX_LINE_TEXT = 2000  # characters of a line kept for context and ignores


@dataclass(frozen=True)
class Engine:
    """The loaded rules, their matcher and the config: what every scan stage is given."""

    rules: tuple[Rule, ...]
    matcher: Matcher
    config: Config
    by_id: dict[str, Rule] = field(default_factory=dict, compare=False)

    @classmethod
    def build(cls, config: Config, rules: tuple[Rule, ...] | None = None) -> Engine:
        rules = rules if rules is not None else load_rules(config.rule_files, config.disabled_rules)
        return cls(rules, Matcher(rules, config.use_hyperscan), config, {r.id: r for r in rules})

    def rule(self, rule_id: str) -> Rule:
        return self.by_id[rule_id]

    def candidates(self, chunk: Chunk, data: bytes | None = None) -> list[Candidate]:
        """Every rule match in the chunk as a candidate with its line and column."""
        matches = self.matcher.find(chunk.text, chunk.origin.path, data)
        if not matches:
            return []
        matches.sort(key=lambda m: m.start)
        lines = LineIndex(chunk.text)
        out = []
        for match in matches:
            # Inline ignores are applied (and counted) with the findings: pipeline._scored_findings.
            out.append(to_candidate(match, chunk, lines))
        return out


class LineIndex:
    """Offset → line and column, computed on demand.

    Most files have no candidates and the rest only a few, so instead of
    indexing every newline up front, lines are counted from the previous
    lookup (candidates arrive in offset order, making the total one pass)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._offset = 0
        self._line = 0

    def line_of(self, offset: int) -> int:
        """0-based line number of a character offset."""
        if offset < self._offset:
            self._offset, self._line = 0, 0
        self._line += self.text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def line_text_at(self, offset: int) -> str:
        """The whole line holding `offset` (capped), without its newline."""
        start = self.line_start(offset)
        end = self.text.find("\n", start)
        end = len(self.text) if end == -1 else end
        return self.text[start:min(end, start + MAX_LINE_TEXT)].rstrip("\r")

    def previous_line(self, offset: int) -> str:
        start = self.line_start(offset)
        return self.line_text_at(start - 1) if start > 0 else ""


def to_candidate(match: RawMatch, chunk: Chunk, lines: LineIndex) -> Candidate:
    origin = chunk.origin
    last_offset = max(match.start, match.end - 1)
    first = lines.line_of(match.start)
    last = first + chunk.text.count("\n", match.start, last_offset)
    column = match.start - lines.line_start(match.start) + 1
    end_column = match.end - lines.line_start(last_offset) + 1
    if first == 0:
        column += origin.column_offset
    if last == 0:
        end_column += origin.column_offset
    text = lines.line_text_at(match.start)
    if last > first:  # multi-line secrets: keep a few lines of context
        text = "\n".join([text, *chunk.text[match.start:match.end].split("\n")[1:3]])
    return Candidate(
        rule=match.rule,
        secret=match.secret,
        origin=origin,
        line=origin.line_offset + first + 1,
        column=column,
        end_line=origin.line_offset + last + 1,
        end_column=end_column,
        line_text=text,
        before=lines.previous_line(match.start),
    )
