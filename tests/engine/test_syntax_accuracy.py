"""A secret is found whatever syntax assigns it: a subset of the generated corpus (tests/syntax_corpus.py)."""
from __future__ import annotations

from collections import defaultdict

import pytest

from leakscan.config import Config
from leakscan.engine.context import Engine

from ..syntax_corpus import Sample, negatives, positives, reported, templates

# Packs whose rules span the kinds of secret: prefixed tokens, context-keyed keys, passwords, URIs.
PACKS = ("ai", "github", "payments", "generic", "connections")
MIN_FAMILY_RECALL = 0.9  # the full corpus (bench/syntax_accuracy.py) reaches 0.95 in most families
MAX_NEGATIVE_RATE = 0.02


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.build(Config())


def _subset(engine: Engine) -> list[Sample]:
    rules = [r for r in engine.rules if r.source_file.endswith(tuple(f"{p}.yaml" for p in PACKS))]
    return list(positives(rules[::3], per_rule=1))


def test_every_syntax_family_finds_the_secrets(engine: Engine) -> None:
    samples = _subset(engine)
    assert len({s.template.family for s in samples}) == len({t.family for t in templates()}) >= 10
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sample in samples:
        stats[sample.template.family][0] += reported(sample, engine)
        stats[sample.template.family][1] += 1
    recall = {family: found / total for family, (found, total) in stats.items()}
    assert all(r >= MIN_FAMILY_RECALL for r in recall.values()), recall


def test_placeholders_and_prose_stay_quiet_in_every_syntax(engine: Engine) -> None:
    samples = list(negatives())
    flagged = [s.template.id for s in samples if reported(s, engine)]
    assert len(flagged) / len(samples) <= MAX_NEGATIVE_RATE, flagged


@pytest.mark.parametrize("template_id", ["go-var", "swift-let", "c-char", "c-define", "setenv", "clojure",
                                         "make-question", "dockerfile-env-space", "yaml-block",
                                         "xml-element-lines", "auth-header", "docker-login"])
def test_a_generic_credential_is_found_in_the_forms_fixed_for_issue_12(engine: Engine, template_id: str) -> None:
    template = next(t for t in templates() if t.id == template_id)
    password = "Kq7" + "wm58Tz" + "!pX2vR"  # built here: no secret literal in the test source
    rule = next(r for r in engine.rules if r.id == "generic.password.quoted")
    sample = Sample(template, "generic", rule.id, password, _render(template, password))
    assert reported(sample, engine)


def _render(template, value: str) -> str:
    from ..syntax_corpus import render
    return render(template, ["deploy", "password"], value)
