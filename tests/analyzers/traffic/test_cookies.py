"""exposure.cookie.session-flags: session cookies set without Secure, HttpOnly or SameSite."""
from __future__ import annotations

from .har_builder import API, SID, entry, page_entry, rule_ids, scan_har

RULE = "exposure.cookie.session-flags"


def _login(set_cookie: str):
    return [page_entry(), entry("POST", f"{API}/login", post={"user": "dana"}, body={"ok": True},
                                response_headers={"Set-Cookie": set_cookie, "Cache-Control": "no-store"})]


def test_a_session_cookie_without_flags_is_reported_with_what_each_missing_flag_allows(tmp_path, engine):
    report = scan_har(tmp_path, _login(f"sessionid={SID}; Path=/"), engine)
    (finding,) = [f for f in report.findings if f.rule_id == RULE]
    assert finding.masked == "Set-Cookie sessionid from api.shop.example without Secure, HttpOnly, SameSite"
    assert finding.location.pointer == "/log/entries/1/response/headers/0/value"
    lines = (tmp_path / "capture.har").read_text(encoding="utf-8").splitlines()
    assert f"sessionid={SID}" in lines[finding.location.line - 1]  # the line of the header value itself
    assert any("no HttpOnly: any script" in r for r in finding.reasons)
    assert all(SID not in text for text in (finding.masked, *finding.reasons))


def test_only_the_missing_flag_is_named(tmp_path, engine):
    report = scan_har(tmp_path, _login(f"PHPSESSID={SID}; Path=/; Secure; HttpOnly"), engine)
    (finding,) = [f for f in report.findings if f.rule_id == RULE]
    assert finding.masked.endswith("without SameSite")


def test_a_cookie_with_every_flag_is_fine(tmp_path, engine):
    report = scan_har(tmp_path, _login(f"sessionid={SID}; Path=/; Secure; HttpOnly; SameSite=Lax"), engine)
    assert RULE not in rule_ids(report)


def test_analytics_cookies_and_deletions_are_not_session_cookies(tmp_path, engine):
    report = scan_har(tmp_path / "a", _login("_ga=GA1.2.1234567890.1690000000; Path=/"), engine)
    assert RULE not in rule_ids(report)
    report = scan_har(tmp_path / "b", _login("sessionid=deleted; Max-Age=0; Path=/"), engine)
    assert RULE not in rule_ids(report)


def test_the_har_cookie_objects_count_when_no_header_is_recorded(tmp_path, engine):
    cookie = {"name": "connect.sid", "value": SID, "path": "/", "httpOnly": True, "secure": True, "sameSite": "Strict"}
    good = [page_entry(), entry("GET", f"{API}/me", body={"ok": True}, cookies=[cookie])]
    assert RULE not in rule_ids(scan_har(tmp_path / "good", good, engine))
    bad = [page_entry(), entry("GET", f"{API}/me", body={"ok": True}, cookies=[{**cookie, "secure": False}])]
    (finding,) = [f for f in scan_har(tmp_path / "bad", bad, engine).findings if f.rule_id == RULE]
    assert finding.masked.endswith("without Secure")
