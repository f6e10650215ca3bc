"""Every rule's examples are reported and its negative examples are not.

Run under both prefilters, so the keyword fallback can't silently miss what
Hyperscan finds (or the other way round)."""
from __future__ import annotations

import pytest

from leakscan.pipeline.rules_check import check_rules
from leakscan.rules.loader import load_rules

RULES = load_rules()


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_examples(rule, engine):
    problems = check_rules([engine.rule(rule.id)], engine)
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("rule", [r for r in RULES if r.pattern], ids=[r.id for r in RULES if r.pattern])
def test_rule_examples_keyword_prefilter(rule, keyword_engine):
    problems = check_rules([keyword_engine.rule(rule.id)], keyword_engine)
    assert not problems, "\n".join(map(str, problems))
