from __future__ import annotations

import random
from dataclasses import replace
from itertools import islice

import pytest

from leakscan.engine import prefilter
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk
from leakscan.rules.loader import load_rules

from ..conftest import fake_aws_key_id, fake_github_token


def corpus() -> str:
    """Every example and negative example of every rule, plus look-alikes."""
    parts = [t for r in load_rules() for t in (*r.examples, *r.negative_examples)]
    parts += [f"token = '{fake_github_token(7)}'", f"aws_access_key_id = {fake_aws_key_id(3)}",
              "nothing to see here", "ünïcödé ghp_ text é" * 3]
    return "\n".join(parts)


def findings_for(engine, text: str) -> list[tuple]:
    found, _ = scan_chunk(Chunk(text, Origin(kind="file", path="app/settings.py")), engine)
    return [(f.rule_id, f.location.line, f.location.column, f.confidence, f.secret_hash) for f in found]


@pytest.mark.skipif(not prefilter.HAVE_HYPERSCAN, reason="hyperscan not installed")
def test_hyperscan_and_keyword_prefilters_give_identical_findings(engine, keyword_engine):
    assert engine.matcher.prefilter_name == "hyperscan"
    assert keyword_engine.matcher.prefilter_name == "keywords"
    text = corpus()
    with_hs = findings_for(engine, text)
    assert len(with_hs) > 100
    assert with_hs == findings_for(keyword_engine, text)
    # Line by line too: many small chunks exercise the prefilters' rule sets.
    for line in text.splitlines()[:400]:
        assert findings_for(engine, line) == findings_for(keyword_engine, line), line[:60]


def test_keyword_prefilter_selects_rules_by_keyword():
    rules = [r for r in load_rules() if r.pattern]
    kp = prefilter.KeywordPrefilter(rules)
    hits = {rules[i].id for i in kp.candidates("export GITHUB_TOKEN=GHP_abc")}
    assert "github.pat.classic" in hits
    assert "github.pat.classic" not in {rules[i].id for i in kp.candidates("export OTHER=abc")}


@pytest.mark.skipif(not prefilter.HAVE_HYPERSCAN, reason="hyperscan not installed")
def test_hyperscan_database_is_cached_and_reloaded(tmp_path):
    rules = [r for r in load_rules() if r.pattern][:20]
    first = prefilter.HyperscanPrefilter(rules, cache_dir=tmp_path)
    assert list(tmp_path.glob("hs-*.db"))
    second = prefilter.HyperscanPrefilter(rules, cache_dir=tmp_path)
    sample = "\n".join(rules[0].examples)
    assert first.candidates(sample) == second.candidates(sample) != []


def test_path_limited_rules_only_run_on_their_paths(tmp_path):
    from leakscan.config import Config
    from leakscan.engine.context import Engine
    from leakscan.model import Chunk, Origin

    pack = tmp_path / "limited.yaml"
    pack.write_text("- id: acme.datafile-code\n  name: Acme code in data files\n  category: secret\n"
                    "  pattern: '\\b(acme-[0-9a-f]{16})\\b'\n  keywords: [acme-]\n  paths: ['*.csv']\n"
                    "  confidence: 0.9\n  severity: low\n  example_path: x.csv\n"
                    "  examples: ['acme-0123456789abcdef']\n  negative_examples: ['acme-0123']\n")
    for use_hs in ((None, False) if prefilter.HAVE_HYPERSCAN else (False,)):
        eng = Engine.build(Config(rule_files=(str(pack),), use_hyperscan=use_hs))
        text = "code = acme-8f3a9c2d7e6b1a04\n"
        in_csv = [c.rule.id for c in eng.candidates(Chunk(text, Origin(kind="file", path="data/export.csv")))]
        in_py = [c.rule.id for c in eng.candidates(Chunk(text, Origin(kind="file", path="src/app.py")))]
        assert "acme.datafile-code" in in_csv and "acme.datafile-code" not in in_py


def test_keyword_windows_cover_keyword_lines_with_margin():
    from leakscan.engine.matcher import keyword_windows

    text = "a\nb password=x\nc\nd\ne\nf PASS\ng"
    assert [text[s:e] for s, e in keyword_windows(text, ["pass"])] == ["a\nb password=x\nc\n", "e\nf PASS\ng"]
    assert keyword_windows("nothing here", ["pass"]) == []
    # overlapping windows merge into one
    assert keyword_windows("pass\npass\npass", ["pass"]) == [(0, 14)]


def test_generic_rules_find_the_same_matches_in_windows(engine):
    from leakscan.model import Chunk, Origin

    filler = "x = compute(y)\n" * 2000
    text = filler + "db_password = 'Zq8!vR2#mK5p'\n" + filler
    found = [c for c in engine.candidates(Chunk(text, Origin(kind="file", path="app/db.py")))
             if c.rule.id.startswith("generic.")]
    assert found and {c.line for c in found} == {2001}


def test_keyword_windows_keep_offsets_when_lowercasing_changes_length():
    from leakscan.engine.matcher import ascii_lower, keyword_windows

    text = "İ" * 50 + "\nplain\nPASSWORD=x\nafter"
    assert len(ascii_lower(text)) == len(text) and len(text.lower()) != len(text)
    (start, end), = keyword_windows(text, ["password"], margin=0)
    assert text[start:end] == "PASSWORD=x\n"


def test_keywords_are_found_where_lowercasing_a_z_alone_finds_them():
    from leakscan.engine.matcher import _ASCII_LOWER, ascii_lower

    rng = random.Random(9)
    pieces = ["PASSWORD", "Secret", "token", "\u212a", "\u0130", "\u0131", "\u017f", "\u00c9", "\u03a3", "\u1e9e",
              "\U0001d400", "KEY", "k", "ey", "=", " ", "\n", "x", "\u00df", "\u0399\u0308\u0301"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        lowered, reference = ascii_lower(text), text.translate(_ASCII_LOWER)
        assert len(lowered) == len(text)
        for keyword in ("password", "secret", "token", "key", "k", "i", "s"):
            assert [i for i in range(len(text)) if lowered.startswith(keyword, i)] == \
                [i for i in range(len(text)) if reference.startswith(keyword, i)], (text, keyword)


@pytest.mark.parametrize("name", ["engine", "keyword_engine"])
def test_any_candidate_is_whether_there_are_candidates(name, request):
    chosen = request.getfixturevalue(name).matcher.prefilter
    lines = corpus().splitlines()[:600] + ["", "x = 1", "def plain(): return None"]
    answers = {chosen.any_candidate(line, line.encode()) for line in lines}
    assert answers == {True, False}  # both kinds of line are in the sample
    for line in lines:
        assert chosen.any_candidate(line, line.encode()) == bool(chosen.candidates(line, line.encode())), line[:60]


def test_hyperscan_syntax_unnames_groups_and_rewrites_unicode_escapes():
    assert prefilter.hyperscan_syntax(r"k=(?P<secret>\w+)|(?P<secret>\d+)") == r"k=(\w+)|(\d+)"
    assert prefilter.hyperscan_syntax(r"[\u00C0-\u00D6]") == r"[\x{00C0}-\x{00D6}]"
    assert prefilter.hyperscan_syntax(r"\\u00C0 \(?P<x>") == r"\\u00C0 \(?P<x>"  # escaped: left alone


@pytest.mark.skipif(not prefilter.HAVE_HYPERSCAN, reason="hyperscan not installed")
def test_every_shipped_pattern_compiles_in_one_hyperscan_database():
    """A pattern Hyperscan rejects sends the compile down the slow path (halving the set until the
    rejected ones are found): every cold start would pay seconds for it."""
    expressions, _, _ = prefilter._expressions(load_rules())
    assert prefilter._compiles_all(expressions)


@pytest.mark.skipif(not prefilter.HAVE_HYPERSCAN, reason="hyperscan not installed")
def test_a_set_that_compiles_is_compiled_once(monkeypatch):
    """The combined compile is the database: a cold start does not test the set and compile it again."""
    rules = [r for r in load_rules() if r.pattern and r.examples][:40]
    monkeypatch.setattr(prefilter, "_rejected", lambda *_: pytest.fail("the set was compiled twice"))
    db = prefilter._compile(rules)
    found: set[int] = set()
    db.scan(rules[0].examples[0].encode(), match_event_handler=lambda index, *_: found.add(index))
    assert 0 in found


@pytest.mark.skipif(not prefilter.HAVE_HYPERSCAN, reason="hyperscan not installed")
def test_a_rejected_pattern_falls_back_to_its_keywords():
    rules = load_rules()
    good = next(r for r in rules if r.pattern and r.keywords)
    bad = replace(next(r for r in rules if r.keywords), pattern="(?<=a+)x(")  # not PCRE at all
    expressions, _, _ = prefilter._expressions([good, bad])
    assert prefilter._rejected([0, 1], expressions) == {1}
    assert prefilter._compile([good, bad]) is not None


@pytest.mark.parametrize(("pattern", "form"), [
    # optional parts and assertions at either end, and the group that is all that is left, opened
    (r"\b(?P<secret>(?:pre: )?(?:ERROR|FATAL)? x[0-9]{2,}(?: \(detail\))?)\b", r" x[0-9]{2,}"),
    (r"(?m)(?:^|[\s\"])(?:ab|cd)x*", r"(?m)(?:ab|cd)"),
    (r"(?i:key)=(?=\w)(\w+)(?=;)", r"(?i:key)=(?=\w)(\w+)"),
    (r"((?:a|b)c)+", r"(?:a|b)c"),
    (r"(?:foo(?:_id)?|bar)", r"(?:foo|bar)"),
    (r"ab\x41?", r"ab"),  # an escape of several characters is one atom
    (r"[]a-]+x[^]]", r"[]a-]+x[^]]"),
    # left as written: a branch that may match nothing, backreferences, verbose mode
    (r"(?:a|x?)", r"(?:a|x?)"),
    (r"(a)b\1", r"(a)b\1"),
    (r"(?x) a b ", r"(?x) a b "),
])
def test_existence_form_keeps_what_a_match_cannot_do_without(pattern, form):
    assert prefilter.existence_form(pattern) == form


def test_every_shipped_rule_matches_its_existence_form_wherever_it_matches():
    """The prefilter database holds existence forms: each is a pattern (`regex` compiles it) found
    at every match of its rule's pattern, in the rule's own examples and negatives and in all
    the other rules' (the corpus)."""
    import regex

    from leakscan.rules.loader import PATTERN_FLAGS

    shortened = 0
    everything = corpus()
    for rule in load_rules():
        if not rule.pattern:
            continue
        form = prefilter.existence_form(rule.pattern)
        shortened += form != rule.pattern
        full, exists = regex.compile(rule.pattern, PATTERN_FLAGS), regex.compile(form, PATTERN_FLAGS)
        for text in (*rule.examples, *rule.negative_examples, everything):
            for match in islice(full.finditer(text, timeout=1), 50):
                found = exists.search(text, match.start())  # (lookarounds may look past the match)
                assert found and found.start() <= match.end(), (rule.id, match.group(0)[:80])
    assert shortened > 300
