"""`leakscan rules check`: engines listed, slow rules screened out."""
from __future__ import annotations

from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.rules_check import engine_summary, screen_rules
from leakscan.rules.loader import load_rules, parse_rule

# Slow on `regex` even where RE2 (without the lookbehind) finds a start: a run of `a` to the text's end.
SLOW = {
    "id": "mine.slow", "name": "Slow", "category": "secret", "pattern": r"((?:a|aa)+)+(?:b|(?<!a)$)",
    "keywords": ["aaaa"], "confidence": 0.9, "severity": "high",
    "examples": ["aaab"], "negative_examples": ["zzz"],
}
FAST = {
    "id": "mine.fast", "name": "Fast", "category": "secret", "pattern": r"\b(mine_[0-9a-f]{16})\b",
    "keywords": ["mine_"], "confidence": 0.9, "severity": "high",
    "examples": ["mine_0123456789abcdef"], "negative_examples": ["mine_0123"],
}


def test_a_catastrophic_rule_fails_the_screen_and_a_linear_one_passes():
    rules = (parse_rule(SLOW, "mine.yaml"), parse_rule(FAST, "mine.yaml"))
    engine = Engine.build(Config(use_hyperscan=False), rules)
    (problem,) = screen_rules(rules, engine)
    assert problem.rule_id == "mine.slow" and "slow:" in problem.message and "64 KB" in problem.message
    summary = engine_summary(rules, engine)
    assert summary[0] == "1 rules linear-time (re2), 1 backtracking (regex, guarded)"
    assert summary[1:] == ["  backtracking: mine.slow"]


def test_the_built_in_backtracking_rules_pass_the_screen():
    rules = load_rules()
    engine = Engine.build(Config(use_hyperscan=False), rules)
    backtracking = [r for r in rules if r.pattern and engine.matcher.engine_of(r.id) == "regex"]
    assert backtracking
    assert screen_rules(backtracking, engine) == []


def test_cli_rules_check_names_the_engines_and_the_slow_rule(tmp_path):
    pack = tmp_path / "mine.yaml"
    import yaml

    pack.write_text(yaml.safe_dump([SLOW]))
    result = CliRunner().invoke(cli, ["rules", "check", str(pack)])
    assert result.exit_code == 1, result.output
    assert "backtracking: mine.slow" in result.output
    assert "rule mine.slow: slow:" in result.output
