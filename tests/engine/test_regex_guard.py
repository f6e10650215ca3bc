"""ReDoS: no rule hangs a scan, and work a guard skips is reported, never dropped silently."""
from __future__ import annotations

import pytest

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.engine.matcher import BACKTRACKING, LINEAR, Matcher
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk
from leakscan.pipeline.rule_screen import adversarial_inputs, time_rule
from leakscan.rules.loader import load_rules, parse_rule

pytest.importorskip("re2")

# Rules that hit the 2 s guard on 1 MB inputs before issue 19.
FORMERLY_HANGING = (
    "connections.jdbc.password", "github.token.legacy-hex", "azure.redis.access-key", "yandex.oauth-token",
    "slack.refresh-token", "gitlab.runner-auth-token", "gitlab.ci-job-token", "generic.cli.curl-basic-auth",
    "keys.jwt.signing-secret", "stacktrace.python", "stacktrace.java", "stacktrace.ruby",
)
# A pattern RE2 cannot run (a lookahead it does not translate) that backtracks exponentially on
# 'a' * n + 'bcc': RE2 without the lookahead matches there, so `regex` is tried there.
CATASTROPHIC = r"((?:a|aa)+)+b(?!cc)"
SLOW_TEXT = "aaaa" + "a" * 40 + "bcc"


def catastrophic_rule(rule_id: str = "test.catastrophic"):
    return parse_rule({
        "id": rule_id, "name": "Catastrophic", "category": "secret", "pattern": CATASTROPHIC,
        "keywords": ["aaaa"], "confidence": 0.9, "severity": "high",
        "examples": ["aaab"], "negative_examples": ["zzz"],
    }, "test.yaml")


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    rules = [r for r in load_rules() if r.id in FORMERLY_HANGING]
    return Matcher(rules, use_hyperscan=False, regex_timeout=5.0, file_budget=float("inf"))


@pytest.mark.parametrize("rule_id", FORMERLY_HANGING)
def test_formerly_hanging_rules_are_linear_or_fast_on_their_adversarial_inputs(matcher, rule_id):
    index = next(i for i, r in enumerate(matcher.rules) if r.id == rule_id)
    if matcher.compiled(index).engine == LINEAR:
        return  # RE2: time linear in the input, whatever the input
    # Still backtracking: CPU time (not wall clock, other work on the machine does not
    # count) at 64 KB stays well under the screen's limit times ten, and grows with
    # the input no faster than linearly (4x input, allowing 8x time plus noise).
    rule = matcher.rules[index]
    pairs = zip(adversarial_inputs(rule, 64 * 1024), adversarial_inputs(rule, 256 * 1024), strict=False)
    for (name, small), (_, large) in pairs:
        small_seconds = min(time_rule(matcher, index, small) for _ in range(2))
        large_seconds = min(time_rule(matcher, index, large) for _ in range(2))
        assert small_seconds < 1.0, name
        assert large_seconds < 8 * small_seconds + 0.2, name
    # No guard or budget trip (a repeated example may well reach the match cap, which is reported too).
    assert [s for s in matcher.take_skipped() if "matches" not in s.reason] == []


def test_most_rules_run_in_linear_time():
    rules = [r for r in load_rules() if r.pattern]
    matcher = Matcher(rules, use_hyperscan=False)
    engines = [matcher.compiled(i).engine for i in range(len(matcher.rules))]
    assert engines.count(LINEAR) > 0.8 * len(engines)
    assert matcher.engine_of("github.pat.classic") == LINEAR
    assert matcher.engine_of("generic.password.quoted") == BACKTRACKING  # needs lookbehind


def test_a_guard_trip_is_recorded_with_rule_and_path_only():
    matcher = Matcher([catastrophic_rule()], use_hyperscan=False, regex_timeout=0.05)
    text = SLOW_TEXT
    assert matcher.find(text, "dir/slow.txt") == []
    (skipped,) = matcher.take_skipped()
    assert (skipped.rule_id, skipped.path) == ("test.catastrophic", "dir/slow.txt")
    assert "regex guard" in skipped.reason and "aaaa" not in skipped.message
    assert matcher.take_skipped() == []


def test_a_text_where_re2_finds_no_start_is_not_searched_by_regex():
    """Without its lookahead the pattern needs a `b`: RE2 finds none, so `regex` never backtracks here."""
    matcher = Matcher([catastrophic_rule()], use_hyperscan=False, regex_timeout=0.05)
    assert matcher.find("aaaa" + "a" * 40 + "cc", "dir/fast.txt") == []
    assert matcher.take_skipped() == []


def test_the_file_budget_bounds_all_backtracking_rules_of_a_file():
    rules = [catastrophic_rule("test.slow-one"), catastrophic_rule("test.slow-two")]
    matcher = Matcher(rules, use_hyperscan=False, regex_timeout=30.0, file_budget=0.05)
    text = SLOW_TEXT
    matcher.start_file("big.json")
    for _ in range(3):  # a document scanner asks once per value
        matcher.find(text, "big.json")
    skipped = matcher.take_skipped()
    assert {s.rule_id for s in skipped} == {"test.slow-one", "test.slow-two"}
    assert all("file time budget of 0.05 s" in s.reason for s in skipped)
    matcher.start_file("next.json")  # the next file has its own budget
    assert matcher.budget.left() == pytest.approx(0.05)


def test_a_guard_trip_becomes_a_report_error_in_a_scan():
    # The keyword prefilter: Hyperscan would see that no `b` follows and skip the rule.
    engine = Engine.build(Config(use_hyperscan=False), (catastrophic_rule(),))
    engine.matcher.regex_timeout = 0.05
    origin = Origin(kind="file", path="app/slow.txt")
    _, errors = scan_chunk(Chunk(SLOW_TEXT + "\n", origin), engine)
    (error,) = errors
    assert error.path == "app/slow.txt"
    assert "test.catastrophic" in error.message and "aaaa" not in error.message


def test_without_re2_every_rule_still_runs_on_regex():
    rules = [r for r in load_rules() if r.id in FORMERLY_HANGING]
    matcher = Matcher(rules, use_hyperscan=False, use_re2=False)
    rule = next(r for r in matcher.rules if r.id == "yandex.oauth-token")
    assert matcher.engine_of(rule.id) == BACKTRACKING
    example = rule.examples[0]
    with_re2 = Matcher([rule], use_hyperscan=False)
    assert with_re2.engine_of(rule.id) == LINEAR
    assert ([(m.start, m.end) for m in matcher.find(example)]
            == [(m.start, m.end) for m in with_re2.find(example)] != [])


def test_a_rule_stopped_at_its_match_cap_is_an_errors_entry() -> None:
    from leakscan.engine.matcher import MAX_MATCHES_PER_RULE, Matcher
    from leakscan.model import Rule

    rule = Rule(id="test.many", name="Many", category="secret", severity="low", confidence=0.9,
                pattern=r"\b(tok_[a-z]{8})\b", keywords=("tok_",))
    matcher = Matcher([rule], use_hyperscan=False)
    text = "\n".join(f"tok_{'abcdefgh'}" for _ in range(MAX_MATCHES_PER_RULE + 5))
    found = matcher.find(text, "many.txt")
    assert len(found) == MAX_MATCHES_PER_RULE
    (skipped,) = matcher.take_errors()
    assert skipped.path == "many.txt" and "test.many" in skipped.message and "tok_abcdefgh" not in skipped.message
