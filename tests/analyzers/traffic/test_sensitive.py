"""Unauthenticated sensitive responses, responses without no-store, and credentials over plain http."""
from __future__ import annotations

from .har_builder import API, PERSON, SID, TOKEN, entry, page_entry, rule_ids, scan_har

UNAUTHENTICATED = "exposure.response.unauthenticated-data"
CACHEABLE = "exposure.response.cacheable-sensitive"
PLAIN_HTTP = "exposure.transport.plain-http-credentials"
NO_STORE = {"Cache-Control": "no-store"}


def _signed_in():
    """A call that carries credentials: the capture kept them (it is not a sanitized export)."""
    return entry("GET", f"{API}/cart", headers={"Cookie": f"sessionid={SID}"}, body={}, response_headers=NO_STORE)


def test_personal_data_returned_to_a_request_without_credentials(tmp_path, engine):
    report = scan_har(tmp_path, [page_entry(), _signed_in(), entry("GET", f"{API}/customers/81722", body=PERSON,
                                                                   response_headers=NO_STORE)], engine)
    (finding,) = [f for f in report.findings if f.rule_id == UNAUTHENTICATED]
    assert finding.masked == "GET api.shop.example/v1/customers/{id} returns email, phone without authentication"
    assert finding.location.pointer == "/log/entries/2/request/url"
    assert finding.confidence >= 0.7
    assert CACHEABLE not in rule_ids(report)  # no-store: fine


def test_a_capture_without_any_credentials_may_be_a_sanitized_export(tmp_path):
    from leakscan.config import Config
    from leakscan.engine.context import Engine

    entries = [page_entry(), entry("GET", f"{API}/customers/81722", body=PERSON, response_headers=NO_STORE)]
    assert UNAUTHENTICATED not in rule_ids(scan_har(tmp_path / "default", entries))
    low = scan_har(tmp_path / "low", entries, Engine.build(Config(jobs=1, min_confidence=0.3)))
    (finding,) = [f for f in low.findings if f.rule_id == UNAUTHENTICATED]
    assert any("sanitized HAR" in r for r in finding.reasons) and finding.confidence < 0.5


def test_the_same_response_to_an_authenticated_request_is_fine(tmp_path, engine):
    for name, headers in (("bearer", {"Authorization": f"Bearer {TOKEN}"}), ("cookie", {"Cookie": f"sessionid={SID}"}),
                          ("key", {"X-Api-Key": TOKEN})):
        report = scan_har(tmp_path / name, [page_entry(), entry("GET", f"{API}/me", headers=headers, body=PERSON,
                                                                response_headers=NO_STORE)], engine)
        assert UNAUTHENTICATED not in rule_ids(report), name


def test_a_login_handing_out_a_token_is_its_job(tmp_path, engine):
    login = entry("POST", f"{API}/login", post={"user": "dana", "password": "correct horse battery"},
                  body={"access_token": TOKEN}, response_headers=NO_STORE)
    assert UNAUTHENTICATED not in rule_ids(scan_har(tmp_path, [page_entry(), login], engine))


def test_errors_and_assets_are_not_checked(tmp_path, engine):
    entries = [page_entry(), entry("GET", f"{API}/customers/81722", status=404, body=PERSON),
               entry("GET", "https://www.shop.example/static/app.js", mime="application/javascript",
                     body='const support = "dana.whitfield@corpmail.net";')]
    assert not {UNAUTHENTICATED, CACHEABLE} & set(rule_ids(scan_har(tmp_path, entries, engine)))


def test_sensitive_response_without_no_store(tmp_path, engine):
    me = entry("GET", f"{API}/me", headers={"Authorization": f"Bearer {TOKEN}"}, body=PERSON,
               response_headers={"Cache-Control": "public, max-age=600"})
    (finding,) = [f for f in scan_har(tmp_path, [page_entry(), me], engine).findings if f.rule_id == CACHEABLE]
    assert finding.masked == "GET api.shop.example/v1/me returns email, phone without Cache-Control: no-store"
    assert finding.location.pointer == "/log/entries/1/response/headers/0/value"  # the Cache-Control header
    assert any("shared caches may store it" in r for r in finding.reasons)


def test_no_store_and_harmless_bodies_are_fine(tmp_path, engine):
    me = entry("GET", f"{API}/me", headers={"Authorization": f"Bearer {TOKEN}"}, body=PERSON,
               response_headers={"Cache-Control": "no-store, max-age=0"})
    catalog = entry("GET", f"{API}/catalog", body={"items": [{"sku": "A-1", "price": 9.5}]},
                    response_headers={"Cache-Control": "public, max-age=600"})
    assert CACHEABLE not in rule_ids(scan_har(tmp_path, [page_entry(), me, catalog], engine))


def test_credentials_over_plain_http(tmp_path, engine):
    call = entry("GET", "http://api.shop.example/v1/me", headers={"Authorization": f"Bearer {TOKEN}"},
                 body={"ok": True})
    (finding,) = [f for f in scan_har(tmp_path, [page_entry(), call], engine).findings if f.rule_id == PLAIN_HTTP]
    assert finding.masked == "credentials sent over plain http to api.shop.example"
    assert any("bearer" in r for r in finding.reasons) and all(TOKEN not in r for r in finding.reasons)


def test_https_loopback_and_anonymous_http_are_fine(tmp_path, engine):
    entries = [page_entry(),
               entry("GET", f"{API}/me", headers={"Authorization": f"Bearer {TOKEN}"}, body={"ok": True}),
               entry("GET", "http://localhost:8080/v1/me", headers={"Authorization": f"Bearer {TOKEN}"}),
               entry("GET", "http://www.shop.example/catalog", mime="text/html", body="<p>catalog</p>")]
    assert PLAIN_HTTP not in rule_ids(scan_har(tmp_path, entries, engine))
