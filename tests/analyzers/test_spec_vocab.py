"""The spec scanner's vocabulary helpers (spec_vocab.py)."""
from __future__ import annotations

from leakscan.analyzers.spec.vocab import host_kind, vocabulary, words_of


def test_vocabulary_helpers():
    assert host_kind("http://localhost:8080/x") == "local"
    assert host_kind("http://api.example.com") == "example"
    assert host_kind("http://{host}/v1") == "local"
    assert host_kind("http://api.acme-demo.io") == "remote"
    assert {"api", "keys", "apikeys", "regenerate"} <= words_of("/v1/apiKeys/{id}:regenerate")


def test_vocabulary_loads_every_response_kind_with_a_rule_and_sample(engine):
    kinds = vocabulary().response_kinds
    assert {"ssn", "card_number", "password", "token"} <= set(kinds)
    for kind in kinds.values():
        assert kind.rule_id in engine.by_id and kind.sample
