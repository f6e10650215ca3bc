"""`leakscan rules check`: every example is reported by its rule, no negative is;
which engine runs each rule; and no rule is slow on its adversarial inputs."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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


def reported_confidence(rule: Rule, text: str, engine: Engine) -> float:
    """Best confidence at which `rule` reports something in `text` (0 if nothing)."""
    if rule.analyzer:
        from leakscan.analyzers.registry import example_confidence

        return example_confidence(rule, text, engine)
    chunk = Chunk(text, Origin(kind="example", path=rule.example_path or "example.txt"))
    scores = [score(c).confidence for c in engine.candidates(chunk) if c.rule.id == rule.id]
    return max(scores, default=0.0)


def check_rules(rules: Iterable[Rule], engine: Engine) -> list[Problem]:
    problems: list[Problem] = []
    for rule in rules:
        for text in rule.examples:
            if rule.pattern and not any(k.lower() in text.lower() for k in rule.keywords):
                problems.append(Problem(rule.id, rule.source_file, f"example has none of the keywords: {_short(text)}"))
            conf = reported_confidence(rule, text, engine)
            if conf < CHECK_THRESHOLD:
                problems.append(Problem(rule.id, rule.source_file,
                                        f"example not reported (confidence {conf:.2f}): {_short(text)}"))
        for text in rule.negative_examples:
            conf = reported_confidence(rule, text, engine)
            if conf >= CHECK_THRESHOLD:
                problems.append(Problem(rule.id, rule.source_file,
                                        f"negative example reported (confidence {conf:.2f}): {_short(text)}"))
    return problems


def engine_summary(rules: Iterable[Rule], engine: Engine) -> list[str]:
    """Lines naming how many rules run in linear time and which ones backtrack."""
    from leakscan.engine.matcher import BACKTRACKING

    ids = [r.id for r in rules if r.pattern]
    backtracking = sorted(i for i in ids if engine.matcher.engine_of(i) == BACKTRACKING)
    linear = len(ids) - len(backtracking)
    lines = [f"{linear} rules linear-time (re2), {len(backtracking)} backtracking (regex, guarded)"]
    lines += [f"  backtracking: {rule_id}" for rule_id in backtracking]
    return lines


def screen_rules(rules: Iterable[Rule], engine: Engine) -> list[Problem]:
    """A problem for each rule slower than the limit on its 64 KB adversarial inputs."""
    from leakscan.engine.matcher import Matcher
    from leakscan.pipeline.rule_screen import SCREEN_LIMIT_SECONDS, SCREEN_SIZE, screen_rule

    selected = [r for r in rules if r.pattern]
    # Its own matcher: a short guard, so a hopeless pattern cannot stall the check.
    matcher = Matcher(selected, use_hyperscan=False, regex_timeout=0.5, file_budget=float("inf"))
    problems = []
    for index, rule in enumerate(matcher.rules):
        timing = screen_rule(matcher, index, stop_over_limit=True)
        if timing.seconds > SCREEN_LIMIT_SECONDS:
            problems.append(Problem(rule.id, rule.source_file, (
                f"slow: {timing.seconds * 1000:.0f} ms on a {SCREEN_SIZE // 1024} KB adversarial input "
                f"({timing.input_name}; limit {SCREEN_LIMIT_SECONDS * 1000:.0f} ms, engine {timing.engine})")))
    return problems


def _short(text: str, limit: int = 80) -> str:
    flat = text.replace("\n", "\\n")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
