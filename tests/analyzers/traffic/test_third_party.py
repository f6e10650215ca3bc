"""exposure.third-party.sensitive-data: what the page sends to other sites."""
from __future__ import annotations

from leakscan.config import Config
from leakscan.engine.context import Engine

from .har_builder import API, SID, TOKEN, TRACKER, entry, page_entry, rule_ids, scan_har

RULE = "exposure.third-party.sensitive-data"
EMAIL = "dana.whitfield@corpmail.net"


def test_an_email_in_a_trackers_query(tmp_path, engine):
    leak = entry("GET", f"{TRACKER}/e?ev=signup", query={"ev": "signup", "email": EMAIL}, mime="image/gif")
    (finding,) = [f for f in scan_har(tmp_path, [page_entry(), leak], engine).findings if f.rule_id == RULE]
    assert finding.masked == "email sent to third-party host collect.metrics-vendor.example.org in the URL"
    assert finding.location.pointer == "/log/entries/1/request/queryString/1/value"
    assert any("first party shop.example (decided by the HAR page title)" in r for r in finding.reasons)
    assert all(EMAIL not in text for text in (finding.masked, *finding.reasons))


def test_the_same_email_to_the_sites_own_api_is_not_a_leak(tmp_path, engine):
    own = entry("GET", f"{API}/subscribe", query={"email": EMAIL}, body={"ok": True})
    assert RULE not in rule_ids(scan_har(tmp_path, [page_entry(), own], engine))


def test_a_first_party_session_id_in_a_third_party_body(tmp_path, engine):
    entries = [entry("GET", "https://www.shop.example/account", headers={"Cookie": f"sessionid={SID}"},
                     mime="text/html", body="<p>hi</p>"),
               entry("POST", f"{TRACKER}/batch", post=f"page=/account&sid={SID}", body="")]
    (finding,) = [f for f in scan_har(tmp_path, entries, engine).findings if f.rule_id == RULE]
    assert finding.masked == "session-id sent to third-party host collect.metrics-vendor.example.org in the body"


def test_a_token_in_the_referer_sent_to_another_site(tmp_path, engine):
    page = f"https://www.shop.example/reset?token={TOKEN}"
    entries = [entry("GET", page, mime="text/html", body="<p>reset</p>"),
               entry("GET", "https://cdn.widgets-vendor.example.com/w.js", headers={"Referer": page},
                     mime="application/javascript", body="")]
    report = scan_har(tmp_path, entries, engine, title=page)
    (finding,) = [f for f in report.findings if f.rule_id == RULE]
    assert "in the Referer" in finding.masked and TOKEN not in finding.masked


def test_a_third_partys_own_key_in_its_own_url_is_not_a_leak(tmp_path, engine):
    maps = entry("GET", "https://maps.mapvendor.example.com/js", query={"key": TOKEN}, mime="text/javascript")
    assert RULE not in rule_ids(scan_har(tmp_path, [page_entry(), maps], engine))


def test_first_party_decided_without_pages_and_overridden(tmp_path):
    # No page title: the first HTML document decides; the tracker is third party.
    leak = entry("GET", f"{TRACKER}/e", query={"email": EMAIL}, mime="image/gif")
    report = scan_har(tmp_path / "auto", [page_entry(), leak], title=None)
    (finding,) = [f for f in report.findings if f.rule_id == RULE]
    assert any("decided by the first HTML document loaded" in r for r in finding.reasons)
    # --first-party names the tracker's site as the site's own: nothing is sent elsewhere.
    engine = Engine.build(Config(jobs=1, first_party="metrics-vendor.example.org"))
    assert RULE not in rule_ids(scan_har(tmp_path / "override", [leak], engine, title=None))
