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
