"""The engine's cap on one rule's matches holds for each value, not for a batch of values: a log's
records, a response listing its users and a JSON document are matched many values at a time."""
from __future__ import annotations

import json
import random
import string

from leakscan.analyzers.capture.payload import Context, Item, match_items
from leakscan.analyzers.capture.sites import FileSite
from leakscan.engine.matcher import MAX_MATCHES_PER_RULE
from leakscan.pipeline.tree import scan_paths


def _emails(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    word = lambda n: "".join(rng.choice(string.ascii_lowercase) for _ in range(n))  # noqa: E731
    return [f"{word(6)}.{word(7)}@inbox-mailer.com" for _ in range(count)]


def _emails_found(report) -> set[str]:
    return {f.secret for f in report.findings if f.rule_id == "pii.email"}


def _capped(report) -> list[str]:
    return [e.message for e in report.errors if "stopped after" in e.message]


def test_every_record_of_a_log_is_read_for_its_email(tmp_path, engine):
    """500 records are matched at a time: 300 of each 500 emails were lost, with an error entry."""
    emails = _emails(3 * MAX_MATCHES_PER_RULE)
    log = tmp_path / "app.jsonl"
    log.write_text("".join(json.dumps({"level": "info", "msg": f"order {i}", "user": {"email": email}}) + "\n"
                           for i, email in enumerate(emails)), encoding="utf-8")
    report = scan_paths([str(log)], engine)
    assert _emails_found(report) == set(emails) and not _capped(report)


def test_a_response_listing_many_users_reports_each(tmp_path, engine):
    emails = _emails(2 * MAX_MATCHES_PER_RULE + 50, seed=8)
    body = json.dumps({"users": [{"id": i, "email": email} for i, email in enumerate(emails)]})
    entry = {"request": {"method": "GET", "url": "https://api.shop.example/v1/users", "headers": []},
             "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": body}}}
    har = tmp_path / "users.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}), encoding="utf-8")
    report = scan_paths([str(har)], engine)
    assert _emails_found(report) == set(emails) and not _capped(report)


def test_a_json_document_of_many_users_reports_each(tmp_path, engine):
    emails = _emails(5 * MAX_MATCHES_PER_RULE, seed=9)
    document = tmp_path / "users.json"
    document.write_text(json.dumps([{"id": i, "email": email} for i, email in enumerate(emails)]), encoding="utf-8")
    report = scan_paths([str(document)], engine)
    assert _emails_found(report) == set(emails) and not _capped(report)


def test_one_value_full_of_matches_still_stops_at_the_cap_and_says_so(engine):
    """What the cap is for: one string (a minified bundle, a mailing list) with more matches than that.
    Beside it, a batch's other values are matched in full."""
    emails = _emails(MAX_MATCHES_PER_RULE + 60, seed=10)
    site = FileSite("")
    items = [Item(value=", ".join(emails), pointer="/0/recipients", site=site, where="json", key="recipients"),
             *(Item(value=email, pointer=f"/{i}/email", site=site, where="json", key="email")
               for i, email in enumerate(_emails(MAX_MATCHES_PER_RULE, seed=11), start=1))]
    engine.matcher.take_skipped()
    per_item = match_items(items, Context(engine, "list.jsonl", "jsonl"))
    emails_of = [[p.secret for p in protos if p.rule.id == "pii.email"] for protos in per_item]
    assert emails_of[0] == emails[:MAX_MATCHES_PER_RULE]
    assert all(len(found) == 1 for found in emails_of[1:])
    (skipped,) = [s for s in engine.matcher.take_skipped() if s.rule_id == "pii.email"]
    assert f"stopped after {MAX_MATCHES_PER_RULE} matches in one value" in skipped.message
