from __future__ import annotations

import json

from click.testing import CliRunner

from leakscan.analyzers.capture.against_spec import normalise_path
from leakscan.cli import cli
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters.json_report import report_dict

from ..capture_labels import copy_fixtures, judge, labels


def _spec_report(root):
    engine = Engine.build(Config(jobs=1, capture_spec=str(root / "shop-openapi.yaml")))
    return report_dict(scan_paths([str(root / "shop-session.har")], engine))


def test_shadow_endpoints_and_undeclared_fields(tmp_path):
    root = copy_fixtures(tmp_path)
    report = _spec_report(root)
    exposure = [f for f in report["findings"] if f["rule_id"].startswith("capture.spec.")]
    result = judge(exposure, labels()["shop-session.har --spec shop-openapi.yaml"])
    assert not result.missed and not result.false_positives, (result.missed, result.false_positives)
    shadow = next(f for f in exposure if f["rule_id"] == "capture.spec.shadow-endpoint")
    assert shadow["masked"] == "POST /v2/internal/reindex"
    fields = sorted(f["masked"] for f in exposure if f["rule_id"] == "capture.spec.undeclared-field")
    assert fields == ["GET /users/{id} → internal_notes", "GET /users/{id} → role"]


def test_static_assets_other_hosts_and_documented_calls_are_not_shadow(tmp_path):
    root = copy_fixtures(tmp_path)
    shadows = [f for f in _spec_report(root)["findings"] if f["rule_id"] == "capture.spec.shadow-endpoint"]
    assert [f["location"]["pointer"] for f in shadows] == ["/log/entries/11/request/url"]  # not static.shopfront.io


def test_same_endpoint_with_other_ids_is_one_finding(tmp_path):
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "servers": [{"url": "https://api.x.example"}],
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    entries = [{"request": {"method": "GET", "url": f"https://api.x.example/debug/users/{n}"},
                "response": {"status": 200, "content": {"mimeType": "application/json", "text": "{}"}}}
               for n in (41, 42, 43)]
    har = tmp_path / "x.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "_openapi": spec, "entries": entries}}))
    report = report_dict(scan_paths([str(har)], Engine.build(Config(jobs=1))))
    (shadow,) = report["findings"]
    assert shadow["masked"] == "GET /debug/users/{id}" and len(shadow["also_at"]) == 2


def test_cli_spec_option_and_bad_spec(tmp_path):
    root = copy_fixtures(tmp_path)
    result = CliRunner().invoke(cli, ["scan", str(root / "shop-session.har"), "--spec", str(root / "shop-openapi.yaml"),
                                      "--format", "json", "--no-progress"])
    assert any(f["rule_id"] == "capture.spec.shadow-endpoint" for f in json.loads(result.output)["findings"])
    result = CliRunner().invoke(cli, ["scan", str(root / "shop-session.har"), "--spec", str(root / "customers.json"),
                                      "--format", "json", "--no-progress"])
    errors = json.loads(result.output)["errors"]
    assert errors and "not an OpenAPI or Swagger document" in errors[0]["message"]


def test_normalise_path():
    assert normalise_path("/users/42/orders/3f2b9c1e-1d2a-4b3c-8d9e-0f1a2b3c4d5e") == "/users/{id}/orders/{id}"
    assert normalise_path("/v2/internal/reindex") == "/v2/internal/reindex"


def test_swagger_2_base_path_and_schema(tmp_path):
    spec = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "api.x.example", "basePath": "/v1",
            "paths": {"/users/{id}": {"get": {"responses": {"200": {"description": "ok", "schema": {
                "type": "object", "properties": {"id": {"type": "integer"}, "tags": {"type": "array", "items": {
                    "type": "object", "properties": {"name": {"type": "string"}}}}}}}}}}}}
    body = {"id": 1, "tags": [{"name": "a", "score": 3}], "ssn": "536-22-1845"}
    entries = [{"request": {"method": "GET", "url": "https://api.x.example/v1/users/1"},
                "response": {"status": 200, "content": {"mimeType": "application/json", "text": json.dumps(body)}}}]
    har = tmp_path / "x.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "_openapi": spec, "entries": entries}}))
    report = report_dict(scan_paths([str(har)], Engine.build(Config(jobs=1))))
    undeclared = {f["masked"]: f for f in report["findings"] if f["rule_id"] == "capture.spec.undeclared-field"}
    assert set(undeclared) == {"GET /users/{id} → tags[].score", "GET /users/{id} → ssn"}
    ssn, score = undeclared["GET /users/{id} → ssn"], undeclared["GET /users/{id} → tags[].score"]
    assert ssn["confidence"] > score["confidence"]


def _entry(url: str) -> dict:
    return {"request": {"method": "GET", "url": url, "headers": [], "queryString": [], "cookies": []},
            "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}],
                         "cookies": [], "content": {"mimeType": "application/json", "text": "{}"}}}


def test_token_in_url_does_not_hide_the_shadow_endpoint(tmp_path):
    import random
    import string

    rng = random.Random(11)
    token = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "servers": [{"url": "https://api.shop.test"}],
            "paths": {"/orders": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [
        _entry("https://api.shop.test/orders"),
        _entry(f"https://api.shop.test/internal/export?access_token={token}"),
    ]}}
    (tmp_path / "traffic.har").write_text(json.dumps(har, indent=1))
    engine = Engine.build(Config(jobs=1, capture_spec=str(tmp_path / "openapi.json")))
    found = report_dict(scan_paths([str(tmp_path / "traffic.har")], engine))["findings"]
    at_url = {f["rule_id"] for f in found if f["location"]["pointer"] == "/log/entries/1/request/url"}
    assert "capture.spec.shadow-endpoint" in at_url
    assert any(f["category"] == "url-token" for f in found if f["location"]["pointer"] == "/log/entries/1/request/url")
