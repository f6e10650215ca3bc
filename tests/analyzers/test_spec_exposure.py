"""Plain http, debug and admin endpoints, Basic over http (spec_exposure.py)."""
from __future__ import annotations

import json

import pytest

from .spec_support import findings, of

HEAD = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"


def test_plain_http_servers(engine):
    found = findings(engine, HEAD + """\
servers:
  - url: https://api.acme-demo.io
  - url: http://api.acme-demo.io
  - url: http://other.acme-demo.io
  - url: http://localhost:8080
  - url: http://10.0.0.7
  - url: "{scheme}://api.acme-demo.io"
    variables: {scheme: {default: http}}
paths:
  /x:
    servers: [{url: "http://legacy.acme-demo.io"}]
    get: {responses: {"200": {description: ok}}}
""")
    hits = {f.location.pointer: f for f in of(found, "openapi.server.plain-http")}
    assert set(hits) == {"/servers/1/url", "/servers/2/url", "/servers/5/url", "/paths/~1x/servers/0/url"}
    assert hits["/servers/1/url"].confidence == 0.6  # https offered for the same host too
    assert hits["/servers/2/url"].confidence == 0.7
    assert hits["/servers/1/url"].location.line == 5


def test_documentation_hosts_fall_below_the_threshold(engine):
    assert findings(engine, HEAD + "servers: [{url: 'http://api.example.com/v1'}]\npaths: {}\n") == []


def test_swagger2_schemes(engine):
    spec = {"swagger": "2.0", "info": {}, "host": "api.acme-demo.io", "schemes": ["https", "http"], "paths": {}}
    (hit,) = findings(engine, json.dumps(spec, indent=2), path="s.json")
    assert (hit.location.pointer, hit.location.line) == ("/schemes/1", 7)
    local = dict(spec, host="localhost:3000")
    assert findings(engine, json.dumps(local), path="s.json") == []


@pytest.mark.parametrize("path, rule", [
    ("/actuator/heapdump", "openapi.endpoint.debug"),
    ("/v1/_profiler/{token}", "openapi.endpoint.debug"),
    ("/phpinfo.php", "openapi.endpoint.debug"),
    ("/api/debug/vars", "openapi.endpoint.debug"),
    ("/admin/users", "openapi.endpoint.admin"),
    ("/v2/wp-admin/options", "openapi.endpoint.admin"),
])
def test_debug_and_admin_endpoints(engine, path, rule):
    (hit,) = findings(engine, HEAD + f"paths:\n  {path}:\n    get: {{responses: {{'200': {{description: ok}}}}}}\n")
    assert (hit.rule_id, hit.location.line, hit.category) == (rule, 4, "exposure")


@pytest.mark.parametrize("path", ["/jobs/{id}/debug/getConfig", "/groups/{id}/admin/members", "/debugging-tips",
                                  "/administrators-count"])
def test_features_named_debug_or_admin_inside_the_api_are_not_endpoints_of_that_kind(engine, path):
    assert findings(engine, HEAD + f"paths:\n  {path}:\n    get: {{responses: {{'200': {{description: ok}}}}}}\n") == []


def test_one_finding_per_document_lists_the_other_debug_paths(engine):
    spec = HEAD + "paths:\n" + "".join(f"  /actuator/{p}:\n    get: {{responses: {{'200': {{description: ok}}}}}}\n"
                                       for p in ("env", "heapdump", "threaddump"))
    (hit,) = findings(engine, spec)
    assert hit.also_at == ("/actuator/heapdump", "/actuator/threaddump")


def test_basic_auth_only_matters_over_plain_http(engine):
    schemes = "components:\n  securitySchemes:\n    b: {type: http, scheme: basic}\npaths: {}\n"
    assert findings(engine, HEAD + "servers: [{url: 'https://acme-demo.io'}]\n" + schemes) == []
    found = findings(engine, HEAD + "servers: [{url: 'http://acme-demo.io'}]\n" + schemes)
    assert {f.rule_id for f in found} == {"openapi.basic-over-http", "openapi.server.plain-http"}


def test_oauth_urls_over_plain_http_in_3x_and_2_0(engine):
    from .spec_support import findings as scan_findings
    spec = """\
openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
components:
  securitySchemes:
    o:
      type: oauth2
      flows:
        authorizationCode: {authorizationUrl: 'http://login.shop-demo.net/a', tokenUrl: 'https://login.shop-demo.net/t',
                            refreshUrl: 'http://login.shop-demo.net/r', scopes: {}}
"""
    hits = [f for f in scan_findings(engine, spec) if f.rule_id == "openapi.oauth.plain-http"]
    assert sorted(f.location.pointer.rsplit("/", 1)[1] for f in hits) == ["authorizationUrl", "refreshUrl"]
    swagger = ('{"swagger": "2.0", "info": {}, "paths": {}, "securityDefinitions": {"o": {"type": "oauth2", '
               '"flow": "application", "tokenUrl": "http://login.shop-demo.net/t", "scopes": {}}}}')
    (hit,) = [f for f in scan_findings(engine, swagger, path="s.json") if f.rule_id == "openapi.oauth.plain-http"]
    assert hit.location.pointer == "/securityDefinitions/o/tokenUrl"
