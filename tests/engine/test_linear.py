"""RE2 runs rule patterns with exactly the matches `regex` gives."""
from __future__ import annotations

import random
import time

import pytest
import regex

from leakscan.engine.linear import Utf8Text, compile_linear, finditer_spans, translate, without_lookarounds
from leakscan.engine.matcher import (
    BACKTRACKING,
    LINEAR,
    RELAXED_MISSES,
    _backtracking_matches,
    compile_rule,
    keyword_windows,
)
from leakscan.rules.loader import PATTERN_FLAGS, load_rules

pytest.importorskip("re2")

RULES = [r for r in load_rules() if r.pattern]


def regex_spans(pattern: str, text: str, pos: int, endpos: int, group: int | str) -> list[tuple[int, int]]:
    compiled = regex.compile(pattern, PATTERN_FLAGS)
    spans = (m.span(group) for m in compiled.finditer(text, pos, endpos))
    return [(s, e) for s, e in spans if s >= 0 and s != e]


def linear_spans(pattern: str, text: str, pos: int, endpos: int, group: int | str) -> list[tuple[int, int]]:
    linear = compile_linear(pattern, group)
    assert linear is not None, translate(pattern)
    return list(finditer_spans(linear, Utf8Text(text), pos, endpos))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_re2_and_regex_agree_on_the_rule_examples(rule):
    compiled = compile_rule(rule.pattern)
    if compiled.engine != LINEAR:
        pytest.skip("runs on regex")
    for text in (*rule.examples, *rule.negative_examples, "\n".join(rule.examples) + " é ñ\n"):
        spans = keyword_windows(text, rule.keywords) if rule.is_generic else [(0, len(text))]
        for pos, endpos in spans:
            assert (linear_spans(rule.pattern, text, pos, endpos, compiled.group)
                    == regex_spans(rule.pattern, text, pos, endpos, compiled.group)), text


CASES = [
    # leading lookbehind and trailing lookahead on one class: emulated
    (r"(?<![\w-])(tok_[a-z]{4})(?![\w-])", ["tok_abcd", "xtok_abcd", "tok_abcde", "-tok_abcd tok_wxyz,tok_qqqq",
                                            "\ntok_abcd", "étok_abcd"]),
    # a window from the second character, when a match could also start at the first
    (r"(?<![a-z])([a-zé]{2,}x)", ["ébcx", "ééx", " abx"]),
    (r"\b(y[0-3]_[A-Za-z0-9_-]{5,12})(?![\w-])", ["y1_abcdef y2_" + "a" * 13 + " y3_abcdefgh"]),
    # `$` also before a final newline, as in Python
    (r"(ab)(?:[^a-z]|$)", ["xab", "xab\n", "xab\n\n", "ab ab"]),
    # counted repeats over RE2's limit: the same spans for runs within the bound
    (r"(k_[a-f]{10,1500})\b", ["k_" + "a" * 1400, "k_" + "c" * 9, "k_" + "a" * 1500 + " k_abcdefabcd"]),
    (r"(k_[a-f]{1200,2500})\b", ["k_" + "a" * 1400, "k_" + "c" * 1199]),
    # non-ASCII text: offsets are characters, not bytes
    (r"(?<![A-Za-z0-9])(sk_[A-Za-z0-9]{6})(?![A-Za-z0-9])", ["é sk_abcdef ñ sk_123456", "日本sk_abcdef語"]),
    # \s is Python's, vertical tab included
    (r"key\s+([a-z]{4})", ["key\x0babcd", "key \tqwer"]),
    # a trailing number boundary `(?!C|xD)`: edge, a character outside C, or x then the edge or not D
    (r"(?<![\w.-])(\d{3}-\d{4})(?![\w-]|\.\d)", ["555-1234", "555-1234.", "555-1234.5", "555-1234.x 555-1234-",
                                                 "555-12345 555-1234,555-1234.é", "x555-1234 555-1234."]),
    (r"(\d+)(?![-\w]|\.\d)", ["12 34- 56.7 89.", "1.2.3"]),
]


NUMBER_PIECES = ["1", "23", "456", "7890", "81.2.69.160", "2a02:8071::4c1a", "4111 1111 1111 1111", "+1 (415) 555-0132",
                 ".", ":", "-", "+", "(", ")", " ", "\n", "x", "é", "_", "e", "f", ":::", "..", "0"]
EMAIL_PIECES = ["a", "b.c", "@", "@@", "example", ".com", ".io", "é", "ü", "日本", "한국", "Ω", "-", "_", "%", "+", ".",
                " ", "\n", "dana.whitfield@corpmail.net", "m.rossi@fastmail.it", "xn--bcher-kva", "1",
                "\u00bf", "\u00d7"]
TWO_CHAR_BOUNDARY = [(r, NUMBER_PIECES) for r in RULES if r.pattern.endswith("|\\.\\d)")]
TWO_CHAR_BOUNDARY += [(r, EMAIL_PIECES) for r in RULES if r.id == "pii.email"]


@pytest.mark.parametrize("rule,pieces", TWO_CHAR_BOUNDARY, ids=lambda r: getattr(r, "id", ""))
def test_rules_ending_in_a_two_character_boundary_run_on_re2_with_regex_spans(rule, pieces):
    r"""The PII number rules (phones, cards, IP addresses) end in `(?![\w-]|\.\d)`, the email rule in
    `(?![\w@-]|\.[...])` with `\uXXXX` ranges: on RE2, with the spans `regex` gives on texts made of
    their pieces, at every window."""
    compiled = compile_rule(rule.pattern)
    assert compiled.engine == LINEAR
    rng = random.Random(rule.id)
    for text in ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 25))) for _ in range(400)]:
        for pos, endpos in [(0, len(text)), (1, len(text)), (0, max(len(text) - 2, 0))]:
            assert (linear_spans(rule.pattern, text, pos, endpos, compiled.group)
                    == regex_spans(rule.pattern, text, pos, endpos, compiled.group)), (text, pos, endpos)


@pytest.mark.parametrize("pattern,texts", CASES)
def test_translated_constructs_give_the_same_spans(pattern, texts):
    for text in texts:
        for pos, endpos in [(0, len(text)), (1, len(text)), (0, max(len(text) - 1, 0))]:
            expected = regex_spans(pattern, text, pos, endpos, 1)
            assert linear_spans(pattern, text, pos, endpos, 1) == expected, (text, pos, endpos)


@pytest.mark.parametrize("pattern", [
    r"(a)(?=b)c",  # lookahead inside
    r"(a)\1",  # backreference
    r"(?<=x)(a)",  # positive lookbehind
    r"(a++)",  # possessive
])
def test_constructs_re2_cannot_run_stay_on_regex(pattern):
    assert compile_rule(pattern).engine == BACKTRACKING


def test_a_run_longer_than_a_large_bound_is_reported_whole_and_quickly():
    """Bounds over RE2's limit become open (documented in linear.py): a long run is one
    secret, not its first N characters, and a repeated 64 KB input stays fast."""
    pattern = r"(?:^|[^A-Za-z0-9/+])(tok[A-Za-z0-9/+]{20,4000})"
    text = "x tok" + "A" * 5000
    assert linear_spans(pattern, text, 0, len(text), 1) == [(2, len(text))]
    compiled = compile_rule(pattern)
    assert compiled.engine == LINEAR
    repeated = ("tok" + "B" * 300 + " ") * 200
    started = time.process_time()
    assert len(linear_spans(pattern, repeated, 0, len(repeated), 1)) == 200
    assert time.process_time() - started < 0.5


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_a_rule_on_re2_reads_the_secret_from_the_group_regex_would(rule):
    """RE2 rules are not compiled by `regex` at all: the secret's group comes from RE2's group names."""
    expected = "secret" if "secret" in regex.compile(rule.pattern, PATTERN_FLAGS).groupindex else 1
    assert compile_rule(rule.pattern).group == expected


BACKTRACKING_RULES = [r for r in RULES if compile_rule(r.pattern).engine == BACKTRACKING]


def relaxed_spans(rule, text: str, pos: int, endpos: int) -> list[tuple[int, int]]:
    compiled = compile_rule(rule.pattern)
    spans = (m.span(compiled.group) for m in _backtracking_matches(compiled, Utf8Text(text), pos, endpos, 5.0))
    return [(s, e) for s, e in spans if s >= 0 and s != e]


@pytest.mark.parametrize("rule", BACKTRACKING_RULES, ids=lambda r: r.id)
def test_regex_tried_only_where_re2_finds_a_start_gives_the_regex_spans(rule):
    """A rule left on `regex` is tried only at the starts RE2 finds for it without its lookarounds:
    the same spans as `regex.finditer` alone, on its examples and on texts mixed from their pieces,
    at every window."""
    group = compile_rule(rule.pattern).group
    pieces = [p for text in (*rule.examples, *rule.negative_examples) for p in regex.split(r"(\W)", text) if p]
    pieces += [" ", "\n", "é", "日本", "=", ":", '"', "'", ";", "x"]
    rng = random.Random(rule.id)
    texts = [*rule.examples, *rule.negative_examples, "\n".join(rule.examples) + " é ñ\n"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(100)]
    whole = [*rule.examples, *rule.negative_examples, *pieces]  # whole examples, cut anywhere, with pieces
    for _ in range(100):
        text = "".join(rng.choice(whole) for _ in range(rng.randint(1, 4)))
        cut = sorted(rng.randint(0, len(text)) for _ in range(2))
        texts.append(text[cut[0]:] if rng.random() < 0.5 else text[:cut[1]])
    for text in texts:
        windows = keyword_windows(text, rule.keywords) if rule.is_generic else []
        for pos, endpos in [(0, len(text)), (1, len(text)), (0, max(len(text) - 2, 0)), *windows]:
            assert (relaxed_spans(rule, text, pos, endpos)
                    == regex_spans(rule.pattern, text, pos, endpos, group)), (text, pos, endpos)


def test_the_rules_that_cost_most_on_regex_are_tried_only_where_re2_finds_a_start():
    for rule_id in ("keys.keystore.password", "connections.odbc.password", "generic.password.quoted"):
        rule = next(r for r in RULES if r.id == rule_id)
        assert compile_rule(rule.pattern).relaxed is not None, rule_id


@pytest.mark.parametrize("pattern,relaxed", [
    (r"(?<![\w.-])(a)(?=[ \t]*=(?:b|c))d(?!x)", r"(a)d"),
    (r"(?m)(?:^|(?<!:):)(?!(?i:no)[a-z]{0,3})(v)", r"(?m)(?:^|:)(v)"),
    (r"(a)(?=b)?c", None),  # a quantified lookaround: dropping it would quantify what precedes it
    (r"(a)(?=b){2}c", None),
    (r"(a)\(?=b\)", None),  # escaped parentheses, no lookaround
    (r"[(?=](a)", None),
])
def test_lookarounds_are_left_out_of_the_relaxed_pattern(pattern, relaxed):
    assert without_lookarounds(pattern) == relaxed


def test_after_many_starts_without_a_match_regex_searches_the_rest_with_the_same_spans():
    """Past RELAXED_MISSES starts RE2 finds and `regex` rejects, `regex` searches the rest of the span."""
    pattern = r"(tok_[a-z]{4})(?!xy)"
    compiled = compile_rule(pattern)
    assert compiled.engine == BACKTRACKING and compiled.relaxed is not None
    for misses in (RELAXED_MISSES - 1, RELAXED_MISSES, RELAXED_MISSES + 1, 3 * RELAXED_MISSES):
        text = "tok_abcdxy " * misses + "tok_abcd tok_efghxy tok_ijkl é tok_mnop"
        for pos, endpos in [(0, len(text)), (5, len(text)), (0, len(text) - 3)]:
            found = [m.span(1) for m in _backtracking_matches(compiled, Utf8Text(text), pos, endpos, 5.0)]
            assert found == regex_spans(pattern, text, pos, endpos, 1) != [], (misses, pos, endpos)


def test_the_guard_bounds_all_the_regex_work_of_one_span():
    """One `regex.match` per start RE2 finds: together they stop at the guard, as one `finditer` does."""
    compiled = compile_rule(r"((?:a|aa)+)+(?:b|(?<!a)c)")
    text = ("a" * 16 + "c\n") * 100  # every run: RE2 finds a start, `regex` backtracks for a few ms
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        list(_backtracking_matches(compiled, Utf8Text(text), 0, len(text), 0.05))
    assert time.monotonic() - started < 1.0
