"""The traffic scanner in the registry, its findings' identities, and `leakscan mask` leaving labels alone."""
from __future__ import annotations

import importlib
import json

from leakscan.analyzers import registry
from leakscan.analyzers.traffic.scanner import TrafficHarScanner
from leakscan.cli.mask import mask_text

from .har_builder import API, PERSON, SID, entry, har, page_entry, scan_har, write_har


def test_the_har_scanner_is_the_traffic_scanner_whatever_was_imported_first():
    importlib.import_module("leakscan.analyzers.capture.har")  # registers the plain scanner if it came first
    importlib.import_module("leakscan.analyzers.traffic.scanner")
    scanner = registry.document_scanner_for("capture.har", json.dumps(har([entry("GET", f"{API}/me")])))
    assert isinstance(scanner, TrafficHarScanner)
    assert [s.name for s in registry.registered()].count("har") == 1


def _problems():
    cookies = ("sessionid", "remember_token")
    return [page_entry()] + [entry("POST", f"{API}/login/{n}", post={"u": "dana"}, body={"ok": 1},
                                   response_headers={"Set-Cookie": f"{name}={SID}{n}; Path=/",
                                                     "Cache-Control": "no-store"})
                             for n, name in enumerate(cookies)]


def test_each_problem_has_its_own_identity(tmp_path, engine):
    report = scan_har(tmp_path, _problems(), engine)
    flags = [f for f in report.findings if f.rule_id == "exposure.cookie.session-flags"]
    assert len(flags) == 2
    assert len({f.fingerprint for f in flags}) == 2 and len({f.secret_hash for f in flags}) == 2


def test_the_same_problem_on_one_endpoint_is_one_finding_listing_the_other_calls(tmp_path, engine):
    calls = [entry("GET", f"{API}/customers/{n}", body=PERSON, response_headers={"Cache-Control": "no-store"})
             for n in (101, 102, 103)]
    signed_in = entry("GET", f"{API}/cart", headers={"Cookie": f"sessionid={SID}"}, body={})
    report = scan_har(tmp_path, [page_entry(), signed_in, *calls], engine)
    (finding,) = [f for f in report.findings if f.rule_id == "exposure.response.unauthenticated-data"]
    assert finding.location.pointer == "/log/entries/2/request/url"
    assert set(finding.also_at) == {"/log/entries/3/request/url", "/log/entries/4/request/url"}


def test_mask_leaves_the_traffic_as_it_was_and_is_clean(tmp_path, engine):
    path = write_har(tmp_path, _problems())
    original = path.read_text(encoding="utf-8")
    result = mask_text(original, str(path), engine)
    assert result.remaining == ()
    assert not [f for f in result.findings if f.rule_id.startswith("exposure.")]
    copy = json.loads(result.text)
    assert [e["request"]["url"] for e in copy["log"]["entries"]] == [
        e["request"]["url"] for e in json.loads(original)["log"]["entries"]]
    assert SID not in result.text  # the session values themselves are masked


def test_entry_places_are_by_entry_of_every_candidates_place_made_per_entry(engine):
    """The exposure checks' entries are made per entry from the candidates (issue 20.2), equal to by_entry
    of every place of every candidate: a value's other places count in their own entries."""
    from leakscan.analyzers.traffic.places import Seen, by_entry
    from leakscan.analyzers.traffic.scanner import _EntryPlaces
    from leakscan.model import Candidate, Origin

    email, card = engine.by_id["pii.email"], engine.by_id["pii.card-number"]

    def candidate(rule, secret, pointer, also_at=()):
        return Candidate(rule, secret, Origin("har", "shop.har", pointer=pointer), 1, 1, 1, 2, "", also_at=also_at)

    candidates = (
        candidate(email, "ann.lee@example.org", "/log/entries/0/response/content/text#/items/0/email",
                  ("/log/entries/2/request/postData/text#/email", "/log/entries/x/response")),
        candidate(card, "4111111111111111", "/log/entries/2/request/queryString/1/value"),
        candidate(email, "bo.kim@example.org", "/log/entries/0/request/headers/3/value"),
        candidate(email, "cy.ray@example.org", "/log/pages/0/title"),
    )
    seen = [Seen(c.rule.id, c.rule.category, place, c.secret) for c in candidates
            for place in (c.origin.pointer, *c.also_at) if place.startswith("/log/entries/")]
    expected = by_entry(seen)
    places = _EntryPlaces(candidates)
    assert sorted(expected) == [0, 2] and dict(places) == expected
    assert places.get(1) is None and places.get(0) == expected[0]
    assert dict(places.secrets) == {0: ["ann.lee@example.org", "bo.kim@example.org"],
                                    2: ["ann.lee@example.org", "4111111111111111"]}
