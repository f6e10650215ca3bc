from __future__ import annotations

import pytest

from leakscan.rules.loader import RuleError, builtin_pack_files, load_pack, load_rules, rules_digest

GOOD = """
- id: acme.token
  name: Acme token
  category: secret
  pattern: '\\b(acme_[a-z0-9]{20})\\b'
  keywords: [acme_]
  confidence: 0.8
  severity: high
  examples: ['ACME=acme_0123456789abcdefghij']
  negative_examples: ['acme_short']
"""


def write(tmp_path, text):
    path = tmp_path / "pack.yaml"
    path.write_text(text)
    return path


def test_valid_pack_loads(tmp_path):
    (rule,) = load_pack(write(tmp_path, GOOD))
    assert rule.id == "acme.token" and rule.keywords == ("acme_",) and rule.source_file == "pack.yaml"


@pytest.mark.parametrize("mutation, message", [
    (("severity: high", "severity: high\n  colour: red"), "unknown key(s): colour"),
    (("category: secret", "category: secrets"), "category must be one of"),
    (("confidence: 0.8", "confidence: 1.8"), "confidence must be a number in [0, 1]"),
    (("  negative_examples: ['acme_short']\n", ""), "missing key(s): negative_examples"),
    (("keywords: [acme_]", "keywords: []"), "needs keywords"),
    (("'\\b(acme_[a-z0-9]{20})\\b'", "'\\b(acme_[a-z0-9]{20}\\b'"), "pattern does not compile"),
    (("'\\b(acme_[a-z0-9]{20})\\b'", "'\\bacme_[a-z0-9]{20}\\b'"), "capture group"),
    (("id: acme.token", "id: AcmeToken"), "dotted lowercase"),
    (("severity: high", "severity: high\n  validator: nope"), "unknown validator 'nope'"),
])
def test_invalid_rule_names_file_rule_and_problem(tmp_path, mutation, message):
    old, new = mutation
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(RuleError) as err:
        load_pack(path)
    assert "pack.yaml" in str(err.value)
    assert message in str(err.value)


def test_duplicate_ids_rejected(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text(GOOD)
    with pytest.raises(RuleError, match="duplicate id"):
        load_rules([a, a])


def test_invalid_yaml_is_a_clear_error(tmp_path):
    with pytest.raises(RuleError, match="invalid YAML"):
        load_pack(write(tmp_path, "- id: [unclosed"))


def test_yaml_tags_are_not_constructed(tmp_path):
    with pytest.raises(RuleError):
        load_pack(write(tmp_path, "- !!python/object/apply:os.system ['echo pwned']"))


def test_builtin_packs_meet_coverage():
    rules = load_rules()
    assert builtin_pack_files(), "no rule packs shipped"
    families = {r.id.split(".")[0] for r in rules if not r.id.startswith("generic.")}
    assert len(rules) >= 150
    assert len(families) >= 80
    assert all(r.examples and r.negative_examples for r in rules)


def test_the_packs_of_a_scan_load_from_one_cache_file(tmp_path, monkeypatch):
    """Issue 20.3: start-up reads one cache file for all packs, and a changed pack is read afresh."""
    monkeypatch.setenv("LEAKSCAN_CACHE_DIR", str(tmp_path / "cache"))
    extra = write(tmp_path, GOOD)
    first = load_rules([extra])
    (_,) = (tmp_path / "cache" / "leakscan").glob("ruleset-*.json")
    for per_pack in (tmp_path / "cache" / "leakscan").glob("rules-*.json"):
        per_pack.unlink()  # what remains to read from is the one set file
    assert load_rules([extra]) == first
    assert not list((tmp_path / "cache" / "leakscan").glob("rules-*.json"))
    extra.write_text(GOOD.replace("Acme token", "Acme API token"))
    changed = load_rules([extra])
    assert [r.name for r in changed if r.id == "acme.token"] == ["Acme API token"]
    for set_file in (tmp_path / "cache" / "leakscan").glob("ruleset-*.json"):
        set_file.write_text("[not json")  # a broken cache costs time, never a wrong rule
    assert load_rules([extra]) == changed


def test_pattern_flags_written_as_values_are_regex_ascii_and_version0():
    import regex

    from leakscan.rules.loader import PATTERN_FLAGS

    assert PATTERN_FLAGS == regex.ASCII | regex.VERSION0


def test_rules_read_from_the_cache_are_the_rules_parsed(tmp_path, monkeypatch):
    """The cache sets a rule's fields without Rule.__init__: the same fields, values and types as parsing
    gives; a cache written for other fields is parsed again."""
    import json

    monkeypatch.setenv("LEAKSCAN_CACHE_DIR", str(tmp_path / "cache"))
    extra = write(tmp_path, GOOD)
    parsed = load_rules([extra])
    cached = load_rules([extra])
    assert [vars(r) for r in cached] == [vars(r) for r in parsed]
    assert [repr(r) for r in cached] == [repr(r) for r in parsed] and hash(cached) == hash(parsed)
    assert {type(v) for r in cached for v in vars(r).values()} == {type(v) for r in parsed for v in vars(r).values()}
    (set_file,) = (tmp_path / "cache" / "leakscan").glob("ruleset-*.json")
    document = json.loads(set_file.read_text())
    at = document["fields"].index("verify")
    del document["fields"][at]  # as an older Rule without the field wrote it
    for pack in document["packs"]:
        for row in pack:
            del row[at]
    set_file.write_text(json.dumps(document))
    assert load_rules([extra]) == parsed
    document = json.loads(set_file.read_text())
    document["packs"][-1][0].pop()  # a rule's row cut short: the packs are parsed again, never a wrong rule
    set_file.write_text(json.dumps(document))
    assert load_rules([extra]) == parsed


def test_the_digest_of_loaded_rules_is_kept_beside_their_packs(tmp_path, monkeypatch):
    """rules_digest of the rules load_rules returned is computed once per set of packs and ids left out,
    then read from the cache; it is always the digest computed from the rules themselves."""
    monkeypatch.setenv("LEAKSCAN_CACHE_DIR", str(tmp_path / "cache"))
    extra = write(tmp_path, GOOD)
    rules = load_rules([extra])
    computed = rules_digest(list(rules))  # not the loaded tuple: computed, nothing stored
    assert not list((tmp_path / "cache" / "leakscan").glob("*.digest"))
    assert rules_digest(rules) == computed
    (stored,) = (tmp_path / "cache" / "leakscan").glob("*.digest")
    assert stored.read_text() == computed
    assert rules_digest(load_rules([extra])) == computed  # read back
    fewer = load_rules([extra], disabled=["acme.token"])
    assert rules_digest(fewer) == rules_digest(list(fewer)) != computed
    assert len(list((tmp_path / "cache" / "leakscan").glob("*.digest"))) == 2
    stored.write_text("not a digest")  # a broken file costs time, never a wrong digest
    assert rules_digest(load_rules([extra])) == computed


def test_the_cache_is_read_without_starting_the_collector_and_leaves_it_as_it_was(tmp_path, monkeypatch):
    """Issue 20.3: reading ~900 rules makes ~20,000 objects, none in a reference cycle; the collector
    would walk a start-up's heap a dozen times meanwhile for nothing."""
    import gc

    from leakscan.rules import pack_cache

    monkeypatch.setenv("LEAKSCAN_CACHE_DIR", str(tmp_path / "cache"))
    rules = load_rules()  # the built-in packs, parsed and their set file written
    raws = [(path.name, path.read_bytes()) for path in builtin_pack_files()]
    started: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(record)
    try:
        packs = pack_cache.read_set(pack_cache.set_key(raws), len(raws))
        assert gc.isenabled()
        gc.disable()
        assert pack_cache.read_set(pack_cache.set_key(raws), len(raws)) == packs
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()
        gc.callbacks.remove(record)
    assert packs is not None and [rule for pack in packs for rule in pack] == list(rules)
    assert started == []
