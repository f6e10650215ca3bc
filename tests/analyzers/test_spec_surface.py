"""Credentials a spec asks clients to put in URLs (spec_surface.py)."""
from __future__ import annotations

import json

import pytest

from .spec_support import findings, of, pointers, scan

HEAD = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"


def test_apikey_in_query_in_3x_and_2_0(engine):
    found = findings(engine, HEAD + """\
paths: {}
security: [{q: []}]
components:
  securitySchemes:
    q: {type: apiKey, in: query, name: appid}
    h: {type: apiKey, in: header, name: X-Key}
    c: {type: apiKey, in: cookie, name: sid}
""")
    (hit,) = of(found, "openapi.apikey-in-query")
    assert (hit.location.pointer, hit.location.line, hit.confidence) == ("/components/securitySchemes/q", 7, 0.85)
    assert hit.category == "url-token" and hit.masked == "[REDACTED]"
    assert "Send the credential in a request header" in hit.suggestion.text
    swagger = json.dumps({"swagger": "2.0", "info": {}, "paths": {},
                          "securityDefinitions": {"k": {"type": "apiKey", "in": "query", "name": "key"}}}, indent=1)
    assert pointers(findings(engine, swagger, path="s.json")) == {"/securityDefinitions/k"}


def params_spec(params: list[dict], path: str = "/items/{id}") -> str:
    return json.dumps({"openapi": "3.0.0", "info": {}, "paths": {path: {"get": {
        "parameters": params, "responses": {"200": {"description": "ok"}}}}}}, indent=2)


@pytest.mark.parametrize("param", [
    {"name": "access_token", "in": "query"},
    {"name": "client_secret", "in": "query"},
    {"name": "sig", "in": "query", "schema": {"type": "string"}},
    {"name": "key", "in": "query", "description": "Your API key"},
    {"name": "key", "in": "query", "description": "API key. Your API key identifies your project."},
    {"name": "sessionid", "in": "query", "description": "Login session cookie value"},
    {"name": "token", "in": "path", "required": True},
])
def test_credential_parameters(engine, param):
    path = "/items/{token}" if param["in"] == "path" else "/items"
    (hit,) = findings(engine, params_spec([param], path), path="a.json")
    assert hit.rule_id == "openapi.param.credential-in-url" and hit.location.pointer.endswith("/parameters/0")


@pytest.mark.parametrize("param, path", [
    ({"name": "pageToken", "in": "query"}, "/items"),
    ({"name": "token", "in": "query", "description": "Pagination token for the next page"}, "/items"),
    ({"name": "Authorization", "in": "header"}, "/items"),
    ({"name": "key", "in": "query", "description": "Sort key"}, "/items"),
    ({"name": "password", "in": "query", "schema": {"type": "boolean"}}, "/items"),
    ({"name": "api_key", "in": "path"}, "/apikeys/{api_key}"),
    ({"name": "signature", "in": "path"}, "/intents/{signature}"),
    ({"name": "userToken", "in": "path", "description": "The ID for the user."}, "/accounts/{userToken}"),
    ({"name": "session", "in": "query", "description": "Chat session"}, "/items"),
])
def test_not_credential_parameters(engine, param, path):
    assert findings(engine, params_spec([param], path), path="a.json") == []


def test_one_finding_per_parameter_name_with_the_other_operations_listed(engine):
    spec = {"swagger": "2.0", "info": {}, "paths": {
        f"/r{i}": {"get": {"parameters": [{"name": "access_token", "in": "query", "type": "string"}],
                           "responses": {"200": {"description": "ok"}}}} for i in range(3)}}
    (hit,) = findings(engine, json.dumps(spec, indent=2), path="s.json")
    assert hit.location.pointer == "/paths/~1r0/get/parameters/0"
    assert hit.also_at == ("GET /r1", "GET /r2")


def test_rule_errors_do_not_hide_findings(engine):
    found, errors = scan(engine, HEAD + """\
paths: {}
components:
  securitySchemes:
    q: {type: apiKey, in: query, name: k}
    r: {$ref: '#/components/securitySchemes/missing'}
""")
    assert [f.rule_id for f in found] == ["openapi.apikey-in-query"]
    assert [e.message for e in errors] == [
        "unresolved $ref '#/components/securitySchemes/missing' at /components/securitySchemes/r"]


def test_inline_ignores_work_on_structural_findings(engine):
    spec = HEAD + """\
paths: {}
components:
  securitySchemes:
    legacy: {type: apiKey, in: query, name: key}  # leakscan:ignore=openapi.apikey-in-query
    other: {type: apiKey, in: query, name: k2}
"""
    assert pointers(findings(engine, spec)) == {"/components/securitySchemes/other"}


def test_a_parameter_sent_by_an_apikey_scheme_is_reported_once_at_the_scheme(engine):
    spec = {"swagger": "2.0", "info": {}, "paths": {"/r": {"get": {
        "parameters": [{"name": "token", "in": "query", "type": "string"}],
        "responses": {"200": {"description": "ok"}}}}},
        "securityDefinitions": {"t": {"type": "apiKey", "in": "query", "name": "token"}}}
    assert [f.rule_id for f in findings(engine, json.dumps(spec), path="s.json")] == ["openapi.apikey-in-query"]


def test_apikey_scheme_in_path_is_a_key_in_the_url(engine):
    found = findings(engine, HEAD + """\
paths: {}
components:
  securitySchemes:
    p: {type: apiKey, in: path, name: key}
""")
    (hit,) = of(found, "openapi.apikey-in-query")
    assert hit.location.pointer == "/components/securitySchemes/p"
    assert any("in the path" in reason for reason in hit.reasons)


@pytest.mark.parametrize("spec,pointer", [
    (HEAD + "paths: {}\ncomponents:\n  parameters:\n    Tok: {name: access_token, in: query, schema: {type: string}}\n",
     "/components/parameters/Tok"),
    (json.dumps({"swagger": "2.0", "info": {}, "paths": {},
                 "parameters": {"Key": {"name": "api_key", "in": "query", "type": "string"}}}), "/parameters/Key"),
])
def test_credential_parameters_declared_for_reuse_are_reported_unreferenced(engine, spec, pointer):
    (hit,) = of(findings(engine, spec, path="s.json" if spec.startswith("{") else "openapi.yaml"),
                "openapi.param.credential-in-url")
    assert hit.location.pointer == pointer
    assert any("referenced by no operation" in reason for reason in hit.reasons)


def test_a_referenced_component_parameter_is_reported_once(engine):
    found = findings(engine, HEAD + """\
paths:
  /a: {get: {parameters: [{$ref: '#/components/parameters/Tok'}], responses: {'200': {description: ok}}}}
  /b: {get: {parameters: [{$ref: '#/components/parameters/Tok'}], responses: {'200': {description: ok}}}}
components:
  parameters:
    Tok: {name: access_token, in: query, schema: {type: string}}
""")
    assert len(of(found, "openapi.param.credential-in-url")) == 1
