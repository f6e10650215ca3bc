"""A response body compared with its API description even when it holds an integer past Python's digit limit."""
from __future__ import annotations

import json

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters.json_report import report_dict

SPEC = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "servers": [{"url": "https://api.shop.test"}],
        "paths": {"/users/{id}": {"get": {"responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}}}}}}}}}}}


def _undeclared(tmp_path, body: str) -> list[str]:
    entry = {"request": {"method": "GET", "url": "https://api.shop.test/users/42"},
             "response": {"status": 200, "content": {"mimeType": "application/json", "text": body}}}
    har = tmp_path / "traffic.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "_openapi": SPEC, "entries": [entry]}}))
    report = report_dict(scan_paths([str(har)], Engine.build(Config(jobs=1))))
    return sorted(f["masked"] for f in report["findings"] if f["rule_id"] == "capture.spec.undeclared-field")


def test_a_body_with_an_over_long_integer_is_compared_all_the_same(tmp_path):
    digits = "7" * 5000  # past the 4,300 digits int() accepts from text
    body = '{"id": 42, "name": "n", "role": "admin", "serial": ' + digits + "}"
    assert _undeclared(tmp_path, body) == ["GET /users/{id} → role", "GET /users/{id} → serial"]


def test_a_body_within_the_limit_is_compared_as_before(tmp_path):
    assert _undeclared(tmp_path, '{"id": 42, "name": "n", "role": "admin"}') == ["GET /users/{id} → role"]
