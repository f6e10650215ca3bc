from __future__ import annotations

import json

import pytest

from leakscan.analyzers.registry import document_scanner_for
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters.json_report import report_dict

from ..capture_labels import copy_fixtures, judge, labels


@pytest.mark.parametrize("name", ["customers.json", "app.jsonl"])
def test_labelled_documents(name, tmp_path, engine):
    root = copy_fixtures(tmp_path)
    report = report_dict(scan_paths([str(root / name)], engine), show_secrets=True)
    result = judge(report["findings"], labels()[name])
    assert not result.missed, result.missed
    assert not result.false_positives, [(f["rule_id"], f["location"]) for f in result.false_positives]


def test_key_names_raise_pii_confidence(engine):
    keyed = json.dumps({"contact": {"email": "dana.whitfield@corpmail.net"}})
    bare = json.dumps({"author": "dana.whitfield@corpmail.net"})
    (finding,) = scan_chunk(Chunk(keyed, Origin(kind="file", path="a.json")), engine)[0]
    assert finding.rule_id == "pii.email" and "key name 'email' says email: +0.30" in finding.reasons
    assert scan_chunk(Chunk(bare, Origin(kind="file", path="b.json")), engine) == ([], [])


def test_identifier_keys_demote_card_lookalikes(engine):
    # In a log (a payload) a Luhn-valid number is a card unless its key says it is an id.
    def scan(record):
        text = json.dumps({"ts": 1}) + "\n" + json.dumps(record) + "\n"
        return scan_chunk(Chunk(text, Origin(kind="file", path="app.log")), engine)[0]

    assert scan({"order_id": "4539 7877 8932 8790"}) == []
    (card,) = scan({"note": "4539 7877 8932 8790"})
    assert card.rule_id == "pii.card-number" and "in a captured log: +0.20" in card.reasons


def test_jsonl_record_pointer_and_entry(tmp_path, engine):
    root = copy_fixtures(tmp_path)
    report = report_dict(scan_paths([str(root / "app.jsonl")], engine))
    password = next(f for f in report["findings"] if f["category"] == "secret")
    assert password["location"]["pointer"] == "/0/body/password"
    assert password["location"]["entry"] == "line 1: POST /v2/login"
    assert password["location"]["line"] == 1


def test_escaped_multiline_value_is_one_trace(engine):
    trace = "Traceback (most recent call last):\n  File \"/srv/a.py\", line 3, in run\n    go()\nKeyError: 'sku'"
    text = json.dumps({"status": 500, "detail": trace}, indent=2)
    (finding,) = scan_chunk(Chunk(text, Origin(kind="file", path="resp.json")), engine)[0]
    assert finding.rule_id == "stacktrace.python" and finding.location.pointer == "/detail"
    assert finding.location.line == 3 and finding.secret == trace


def test_rules_that_need_the_text_as_written_still_fire(engine):
    # A provider rule keyed on the JSON key sees the document as written, as in a text scan.
    text = '{\n  "aws_secret_access_key": "Zx8Qp2Lr7Vt4Ny6Mk1Hs9Gd3Fb5Jc0Wa8Ue2Ri4T"\n}\n'
    found = {f.category for f in scan_chunk(Chunk(text, Origin(kind="file", path="creds.json")), engine)[0]}
    plain = {f.category for f in scan_chunk(Chunk(text, Origin(kind="file", path="creds.txt")), engine)[0]}
    assert found >= plain


@pytest.mark.parametrize("path,text", [
    ("package.json", '{"name": "x", "author": {"email": "dana.whitfield@corpmail.net"}}'),
    ("spec.json", '{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}'),
    ("app.py", '{"email": "dana.whitfield@corpmail.net"}'),
])
def test_not_claimed(path, text):
    scanner = document_scanner_for(path, text)
    assert scanner is None or scanner.name not in ("json", "jsonl")


def test_invalid_json_falls_back_to_a_text_scan_without_errors(engine):
    text = '{\n  // comments make this JSONC\n  "token": "ghp_0123"\n}\n'
    assert scan_chunk(Chunk(text, Origin(kind="file", path="tsconfig.base.json")), engine)[1] == []


def test_a_large_document_is_analysed_in_batches_and_nothing_is_lost(engine, monkeypatch):
    from leakscan.analyzers.capture import jsonbody

    monkeypatch.setattr(jsonbody, "ITEMS_PER_BATCH", 7)
    records = [{"id": f"order-{n:05d}", "note": f"shipped on day {n}"} for n in range(40)]
    records[33]["contact"] = {"email": "dana.whitfield@corpmail.net"}
    text = json.dumps({"orders": records}, indent=1)
    (finding,) = scan_chunk(Chunk(text, Origin(kind="file", path="orders.json")), engine)[0]
    assert finding.rule_id == "pii.email" and finding.location.pointer == "/orders/33/contact/email"
