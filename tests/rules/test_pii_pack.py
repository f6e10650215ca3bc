"""patterns/pii.yaml: bare PII rules never report from source code, and only run on capture-like files."""
from __future__ import annotations

from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk

LINE = 'AUTHOR = "Dana Whitfield <dana.whitfield@corpmail.net>"  # card 4539 7877 8932 8790, ssn 536-22-1845\n'


def test_bare_pii_is_not_even_matched_in_code(engine):
    candidates = engine.candidates(Chunk(LINE, Origin(kind="file", path="setup.py")))
    assert [c for c in candidates if c.rule.category == "pii"] == []


def test_bare_pii_but_cards_is_matched_below_the_threshold_in_a_plain_text_file(engine):
    ids = {c.rule.id for c in engine.candidates(Chunk(LINE, Origin(kind="file", path="notes.txt")))}
    assert {"pii.email", "pii.card-number", "pii.ssn"} <= ids
    findings = scan_chunk(Chunk(LINE, Origin(kind="file", path="notes.txt")), engine)[0]
    # A Luhn-valid number in a network's IIN range is a card in free text too (issue 13); email and SSN need a key.
    assert [(f.rule_id, f.masked) for f in findings] == [("pii.card-number", "**** **** **** 8790")]


def test_keyed_rules_report_anywhere(engine):
    findings, _ = scan_chunk(Chunk("customer:\n  ssn: 536-22-1845\n", Origin(kind="file", path="seed.yaml")), engine)
    assert [(f.rule_id, f.masked) for f in findings] == [("pii.ssn.keyed", "***-**-1845")]
