"""Every string of a spec through the rule engine, and credentials in URLs (spec_values.py)."""
from __future__ import annotations

import json

import pytest

from ..conftest import fake_aws_secret_key, fake_github_token
from .spec_support import findings, of, pointers, scan

TOKEN = fake_github_token(501)
AWS_SECRET = fake_aws_secret_key(502)


@pytest.mark.parametrize("where, pointer, line", [
    (f"components:\n  schemas:\n    A:\n      type: string\n      example: {TOKEN}\n",
     "/components/schemas/A/example", 8),
    (f"components:\n  schemas:\n    A:\n      type: string\n      default: {TOKEN}\n",
     "/components/schemas/A/default", 8),
    (f"components:\n  schemas:\n    A:\n      type: string\n      enum: [a, {TOKEN}]\n",
     "/components/schemas/A/enum/1", 8),
    (f"x-deploy:\n  github: {TOKEN}\n", "/x-deploy/github", 5),
    (f"servers:\n  - url: https://acme-demo.io/{{t}}\n    variables:\n      t:\n        default: {TOKEN}\n",
     "/servers/0/variables/t/default", 8),
    (f"components:\n  examples:\n    E:\n      value:\n        token: {TOKEN}\n",
     "/components/examples/E/value/token", 8),
])
def test_secrets_in_every_kind_of_value_yaml(engine, where, pointer, line):
    text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n" + where
    (hit,) = findings(engine, text)
    assert (hit.rule_id, hit.location.pointer, hit.location.line) == ("github.pat.classic", pointer, line)
    assert hit.location.column == text.splitlines()[line - 1].index(TOKEN) + 1
    assert hit.masked.startswith("ghp_") and TOKEN not in hit.masked


def test_secrets_in_json_values_are_placed_on_their_line(engine):
    spec = {"openapi": "3.1.0", "info": {}, "paths": {},
            "x-ci": {"note": f"first line\nsecond line: aws_secret_access_key={AWS_SECRET}\nthird"}}
    text = json.dumps(spec, indent=2)
    (hit,) = findings(engine, text, path="a.json")
    assert (hit.rule_id, hit.location.pointer) == ("aws.secret-access-key", "/x-ci/note")
    assert hit.location.line == 6  # the escaped string is one line of the file


@pytest.mark.parametrize("value", [
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "AKIAIOSFODNN7EXAMPLE", "${GITHUB_TOKEN}", "YOUR_API_KEY",
    "{{ secrets.GH_TOKEN }}",
])
def test_placeholders_stay_below_the_threshold(engine, value):
    text = f"openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\nx-example:\n  token: '{value}'\n"
    assert findings(engine, text) == []


def test_yaml_comments_are_scanned_too(engine):
    text = f"openapi: 3.0.3\n# old token {TOKEN}\ninfo: {{title: t, version: '1'}}\npaths: {{}}\n"
    (hit,) = findings(engine, text)
    assert (hit.location.pointer, hit.location.line) == (None, 2)


def test_url_credentials(engine):
    text = """\
        openapi: 3.0.3
        info:
          title: t
          version: '1'
          description: |
            Old host: https://deploy:Xk29fLq8RwTz3M@files.acme-demo.io/upload
            Feed: https://feeds.acme-demo.io/rss?access_token=Zx81kQp3Rv6TmW2sLc9aB7
            Template: https://feeds.acme-demo.io/rss?access_token={token}
            Docs: https://api.example.com/v1/items?api_key=a8Fq2LmZx7Rt0PwK
            Demo: https://errors.acme-demo.io/v1/projects/example-project/events?key=123ABC456
        paths: {}
        """
    found = findings(engine, text)
    assert sorted((f.category, f.location.line) for f in found) == [("url-token", 6), ("url-token", 7)]
    assert all(f.location.pointer == "/info/description" for f in found)
    assert "Xk29fLq8RwTz3M" not in "".join(f.masked for f in found)


def test_example_urls_are_reported_only_below_the_threshold(engine):
    text = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
            "x-doc: 'https://api.example.com/v1?api_key=a8Fq2LmZx7Rt0PwKq3Nb'\n")
    low = of(scan(engine, text, min_confidence=0.0)[0], "openapi.url.query-credential")
    assert low and "URL of a documentation example: -0.40" in low[0].reasons


def test_stack_traces_in_error_responses_say_which_response(engine):
    if not any(r.category == "stacktrace" and r.pattern for r in engine.rules):
        pytest.skip("no stack-trace rules loaded")
    text = """\
        openapi: 3.0.3
        info: {title: t, version: '1'}
        paths:
          /x:
            get:
              responses:
                "500":
                  description: boom
                  content:
                    text/plain:
                      example: |
                        Traceback (most recent call last):
                          File "/srv/app/main.py", line 12, in handler
                            return compute(x)
                        ZeroDivisionError: division by zero
        """
    (hit,) = findings(engine, text)
    assert hit.category == "stacktrace" and hit.location.line == 12
    assert hit.location.pointer == "/paths/~1x/get/responses/500/content/text~1plain/example"
    assert "in the 500 response of GET /x: +0.05" in hit.reasons
    assert hit.suggestion.action == "generic-error"


def test_example_personal_data_is_only_illustration(engine):
    text = ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  examples:\n    P:\n"
            "      value: {name: Dana, date_of_birth: '1985-04-12'}\n")
    assert findings(engine, text) == []
    low = [f for f in scan(engine, text, min_confidence=0.0)[0] if f.category == "pii"]
    assert low and all("example value in an API spec: -0.25" in f.reasons for f in low)


def test_shared_yaml_anchors_are_scanned_once(engine):
    text = (f"openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\nx-a: &a {{token: {TOKEN}}}\n"
            "x-b: *a\nx-c: *a\n")
    assert pointers(findings(engine, text)) == {"/x-a/token"}


def test_credentials_in_every_place_openapi_2_30_31_allow_examples(engine):
    """Issue 13.6: parameter, media, header, schema (3.1 `examples` arrays, const, default), Example objects,
    links, webhooks; 2.0 `x-example`, response `examples` by mime type, definitions."""
    t = [fake_github_token(i) for i in range(20)]
    string = {"type": "string"}
    params = [{"name": "q", "in": "query", "schema": string, "example": t[0]},
              {"name": "r", "in": "header", "schema": {**string, "examples": [t[1]]},
               "examples": {"one": {"value": t[2]}}}]
    body = {"content": {"application/json": {
        "schema": {"type": "object", "properties": {"k": {**string, "default": t[3]}}},
        "examples": {"ex": {"value": {"token": t[4]}}}}}}
    response = {"description": "ok", "headers": {"X-T": {"schema": string, "example": t[5]}},
                "content": {"application/json": {"example": {"token": t[6]},
                                                 "schema": {"$ref": "#/components/schemas/S"}}}}
    tok = {**string, "examples": [t[7]], "const": t[8]}
    components = {"schemas": {"S": {"type": "object", "properties": {"tok": tok}}},
                  "examples": {"E": {"value": t[9]}}, "headers": {"H": {"schema": string, "example": t[10]}},
                  "links": {"L": {"operationId": "x", "parameters": {"p": t[11]}}}}
    hook = {"requestBody": {"content": {"application/json": {"example": {"t": t[12]}}}},
            "responses": {"200": {"description": "ok"}}}
    v31 = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "components": components,
           "paths": {"/a": {"get": {"parameters": params, "requestBody": body, "responses": {"200": response}}}},
           "webhooks": {"w": {"post": hook}}}
    v2_response = {"description": "ok", "examples": {"application/json": {"token": t[15]}},
                   "headers": {"X": {"type": "string", "x-example": t[16]}}}
    v2 = {"swagger": "2.0", "info": {"title": "t", "version": "1"},
          "paths": {"/a": {"get": {"parameters": [{"name": "q", "in": "query", "type": "string", "x-example": t[13],
                                                    "default": t[14]}], "responses": {"200": v2_response}}}},
          "definitions": {"D": {"type": "object", "example": {"token": t[17]},
                                "properties": {"a": {**string, "example": t[18]}}}}}
    for name, doc, places in (("v31", v31, 13), ("v2", v2, 6)):
        found = findings(engine, json.dumps(doc, indent=1), path=f"{name}.json")
        assert len({f.location.pointer for f in found if f.rule_id.startswith("github")}) == places, name
