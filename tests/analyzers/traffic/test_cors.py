"""exposure.cors.permissive: responses any site may read."""
from __future__ import annotations

from .har_builder import API, entry, page_entry, rule_ids, scan_har

RULE = "exposure.cors.permissive"


def _call(origin: str | None, allow: str, credentials: bool):
    headers = {"Origin": origin} if origin else {}
    response = {"Access-Control-Allow-Origin": allow, "Cache-Control": "no-store"}
    if credentials:
        response["Access-Control-Allow-Credentials"] = "true"
    return [page_entry(), entry("GET", f"{API}/catalog", headers=headers, response_headers=response,
                                body={"items": []})]


def test_a_reflected_cross_site_origin_with_credentials(tmp_path, engine):
    report = scan_har(tmp_path, _call("https://attacker.example.net", "https://attacker.example.net", True), engine)
    (finding,) = [f for f in report.findings if f.rule_id == RULE]
    assert finding.masked == "CORS on api.shop.example allows a reflected cross-site Origin with credentials"
    assert finding.location.pointer == "/log/entries/1/response/headers/0/value"
    assert any("Allow-Credentials: true" in r for r in finding.reasons)


def test_star_with_credentials_and_null_with_credentials(tmp_path, engine):
    assert RULE in rule_ids(scan_har(tmp_path / "star", _call(None, "*", True), engine))
    assert RULE in rule_ids(scan_har(tmp_path / "null", _call("null", "null", True), engine))


def test_star_without_credentials_is_a_public_api(tmp_path, engine):
    assert RULE not in rule_ids(scan_har(tmp_path, _call("https://attacker.example.net", "*", False), engine))


def test_the_sites_own_origin_is_not_a_reflection(tmp_path, engine):
    report = scan_har(tmp_path, _call("https://www.shop.example", "https://www.shop.example", True), engine)
    assert RULE not in rule_ids(report)
