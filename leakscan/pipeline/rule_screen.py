"""Generated worst-case inputs for a rule, and the time the rule takes on them.

A pattern is slow on text that almost matches again and again: its keywords
repeated, a prefix of a real match repeated (`jdbc::jdbc::…`), a prefix
followed by a long run of the secret's characters with no terminator. Each
input is built from the rule's own keywords and examples, so every rule,
built-in or custom, is screened the same way.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from leakscan.engine.matcher import LINEAR, Matcher
from leakscan.model import Rule

SCREEN_SIZE = 64 * 1024
SCREEN_LIMIT_SECONDS = 0.100
# A rule is timed again when over the limit, and the best time kept: a
# machine busy with other work must not fail a fast rule.
RETRIES = 2


@dataclass(frozen=True)
class RuleTiming:
    rule_id: str
    engine: str  # "re2" or "regex"
    seconds: float  # worst input's time
    input_name: str  # how the worst input was made (no secret: built from examples' prefixes)


def adversarial_inputs(rule: Rule, size: int = SCREEN_SIZE, thorough: bool = True) -> Iterator[tuple[str, str]]:
    """(name, text) pairs of about `size` characters each; not `thorough`: one
    of each kind (for RE2 rules, whose time is linear whatever the input)."""
    def repeat(unit: str) -> str:
        return (unit * (size // max(len(unit), 1) + 1))[:size] if unit else ""

    if not thorough:
        keyword, example = rule.keywords[0], rule.examples[0]
        half = example[: max(len(example) // 2, 1)]
        yield f"keyword {keyword!r} repeated", repeat(keyword)
        yield "keyword then a run of 'a'", keyword + "=" + "a" * size
        yield "example 0 repeated", repeat(example + "\n")
        yield f"example 0 prefix of {len(half)} then its last character run", half + half[-1] * size
        return

    for keyword in rule.keywords[:3]:
        yield f"keyword {keyword!r} repeated", repeat(keyword)
        for glue in (":", "=", " "):
            yield f"keyword+{glue!r} repeated", repeat(keyword + glue)
        yield "keyword then a run of 'a'", keyword + "=" + "a" * size
    for n, example in enumerate(rule.examples[:2]):
        yield f"example {n} repeated", repeat(example + "\n")
        for cut in sorted({len(example) // 4, len(example) // 2, len(example) - 1}):
            if cut <= 0:
                continue
            prefix = example[:cut]
            yield f"example {n} prefix of {cut} repeated", repeat(prefix)
            yield f"example {n} prefix of {cut} + ':' repeated", repeat(prefix + ":")
            yield f"example {n} prefix of {cut} then its last character run", prefix + prefix[-1] * size
            yield f"example {n} prefix of {cut} then a run of spaces", prefix + " " * size
        lines = example.split("\n")
        if len(lines) > 1:  # multi-line rules: the second line over and over
            yield f"example {n} first line, second line repeated", lines[0] + "\n" + repeat(lines[1] + "\n")


def time_rule(matcher: Matcher, index: int, text: str) -> float:
    """CPU seconds of this thread: other processes on a busy machine do not count."""
    started = time.thread_time()
    matcher.run_rule(index, text, "adversarial.txt")
    return time.thread_time() - started


def screen_rule(matcher: Matcher, index: int, size: int = SCREEN_SIZE,
                limit: float = SCREEN_LIMIT_SECONDS, stop_over_limit: bool = False) -> RuleTiming:
    """The rule's worst time over its adversarial inputs of `size` characters
    (with `stop_over_limit`, the first time over `limit`: a check needs no more)."""
    rule = matcher.rules[index]
    worst, worst_name = 0.0, ""
    thorough = not (stop_over_limit and matcher.compiled(index).engine == LINEAR)
    for name, text in adversarial_inputs(rule, size, thorough):
        seconds = time_rule(matcher, index, text)
        for _ in range(RETRIES if seconds > limit else 0):
            seconds = min(seconds, time_rule(matcher, index, text))
        if seconds > worst:
            worst, worst_name = seconds, name
        if stop_over_limit and worst > limit:
            break
    matcher.take_skipped()
    return RuleTiming(rule.id, matcher.compiled(index).engine, worst, worst_name)
