"""`leakscan rules check`: every example is reported by its rule, no negative is."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from leakscan.model import Chunk, Origin, Rule
from leakscan.scoring import score

if TYPE_CHECKING:
    from leakscan.engine.context import Engine

CHECK_THRESHOLD = 0.5  # the default report threshold, whatever the config says


@dataclass(frozen=True)
class Problem:
    rule_id: str
    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: rule {self.rule_id}: {self.message}"


def reported_confidence(rule: Rule, text: str, engine: "Engine") -> float:
    """Best confidence at which `rule` reports something in `text` (0 if nothing)."""
    if rule.analyzer:
        from leakscan.analyzers.registry import example_confidence

        return example_confidence(rule, text, engine)
    chunk = Chunk(text, Origin(kind="example", path=rule.example_path or "example.txt"))
    scores = [score(c).confidence for c in engine.candidates(chunk) if c.rule.id == rule.id]
    return max(scores, default=0.0)


def check_rules(rules: Iterable[Rule], engine: "Engine") -> list[Problem]:
    problems: list[Problem] = []
    for rule in rules:
        for text in rule.examples:
            if rule.pattern and not any(k.lower() in text.lower() for k in rule.keywords):
                problems.append(Problem(rule.id, rule.source_file, f"example has none of the keywords: {_short(text)}"))
            conf = reported_confidence(rule, text, engine)
            if conf < CHECK_THRESHOLD:
                problems.append(Problem(rule.id, rule.source_file, f"example not reported (confidence {conf:.2f}): {_short(text)}"))
        for text in rule.negative_examples:
            conf = reported_confidence(rule, text, engine)
            if conf >= CHECK_THRESHOLD:
                problems.append(Problem(rule.id, rule.source_file, f"negative example reported (confidence {conf:.2f}): {_short(text)}"))
    return problems


def _short(text: str, limit: int = 80) -> str:
    flat = text.replace("\n", "\\n")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
