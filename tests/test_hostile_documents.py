"""Property tests: mutated HAR, OpenAPI, raw HTTP and JSON documents, fed to every document scanner.

Whatever the mutation (cut short, junk inserted, spans deleted or doubled,
deep nesting, huge integers, control characters), a scan must end without an
uncaught exception, must not print the planted secret in full in any report
format, and must finish in bounded time.
"""
from __future__ import annotations

import io
import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin, Report
from leakscan.pipeline.tree import scan_chunks
from leakscan.reporters import REPORTERS, ReportOptions

from .conftest import fake_github_token

SECRET = fake_github_token(seed=4242)
OTHER = fake_github_token(seed=4243, prefix="gho_")
SECONDS_PER_DOCUMENT = 20.0  # generous: a loaded 2-core CI machine; a hang or a blow-up is far beyond it


def har_document() -> str:
    entry = {
        "startedDateTime": "2026-01-01T00:00:00Z", "time": 1, "comment": f"token {OTHER}",
        "request": {
            "method": "GET", "url": f"https://api.example.net/v1/items?access_token={SECRET}&page=2",
            "httpVersion": "HTTP/1.1", "headers": [{"name": "Authorization", "value": f"Bearer {SECRET}"}],
            "queryString": [{"name": "access_token", "value": SECRET}], "cookies": [],
            "headersSize": -1, "bodySize": 0,
        },
        "response": {
            "status": 500, "statusText": "Server Error", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
            "content": {"size": 80, "mimeType": "application/json",
                        "text": json.dumps({"sessions": {SECRET: {"ssn": "123-45-6789"}}, "token": SECRET})},
            "redirectURL": "", "headersSize": -1, "bodySize": 80,
        },
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0},
    }
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "probe", "version": "1", "comment": SECRET},
                               "pages": [{"id": "p", "title": f"https://x.example/?t={SECRET}"}],
                               "entries": [entry]}}, indent=1)


def spec_document() -> str:
    return json.dumps({
        "openapi": "3.0.3", "info": {"title": "Items", "version": "1"},
        "servers": [{"url": f"https://user:{SECRET}@api.example.net"}],
        "paths": {f"/v1/items?token={SECRET}": {"get": {
            "parameters": [{"name": "api_key", "in": "query", "schema": {"type": "string"}, "example": SECRET}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "example": {"token": SECRET, "email": "jane.roe@mail.example.org"}}}}},
        }}},
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "query", "name": "api_key"}}},
    }, indent=2)


def http_document() -> str:
    body = json.dumps({"token": SECRET, "error": "Traceback (most recent call last):"})
    return (f"GET /v1/items?access_token={SECRET} HTTP/1.1\r\nHost: api.example.net\r\n"
            f"Authorization: Bearer {SECRET}\r\nCookie: sessionid={SECRET}\r\n\r\n"
            f"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}\r\n")


def json_document() -> str:
    return json.dumps({"users": [{"id": 1, SECRET: {"password": SECRET}, "note": f"key={SECRET}"}],
                       "next": f"https://api.example.net/page?api_key={SECRET}"}, indent=1)


SEEDS = {
    "capture.har": har_document(),
    "openapi.json": spec_document(),
    "exchange.http": http_document(),
    "body.json": json_document(),
}
JUNK = st.text(alphabet=st.sampled_from(list('{}[]":,\\/0123456789eE+-.ntrufals \n\r\t\x00\x1b\u202e\u00e9')),
               max_size=40)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["cut", "insert", "delete", "double", "nest", "huge-int", "control"]))
        if kind == "cut":
            text = text[:at]
        elif kind == "insert":
            text = text[:at] + draw(JUNK) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 200)):]
        elif kind == "double":
            span = draw(st.integers(1, 400))
            text = text[:at] + text[at:at + span] * draw(st.integers(2, 30)) + text[at:]
        elif kind == "nest":
            depth = draw(st.sampled_from([50, 5_000, 60_000]))
            text = text[:at] + "[" * depth + "1" + "]" * depth + text[at:]
        elif kind == "huge-int":
            text = text[:at] + "9" * draw(st.sampled_from([4_301, 20_000])) + text[at:]
        else:
            hostile = draw(st.sampled_from(["\x1b[2J", "\r\n::stop-commands::x\n", "\u202e", "\x00"]))
            text = text[:at] + hostile + text[at:]
    return text


def rendered(report: Report) -> dict[str, str]:
    out = {}
    for name, write in REPORTERS.items():
        stream = io.StringIO()
        write(report, stream, ReportOptions(verbose=True))
        out[name] = stream.getvalue()
    return out


def check(engine: Engine, path: str, text: str) -> None:
    started = time.perf_counter()
    report = scan_chunks([Chunk(text, Origin(kind="file", path=path))], engine)
    elapsed = time.perf_counter() - started
    assert elapsed < SECONDS_PER_DOCUMENT, f"{path}: {elapsed:.1f} s"
    for fmt, output in rendered(report).items():
        assert SECRET not in output, f"{fmt} report of a mutated {path} prints the planted secret"
        assert OTHER not in output, f"{fmt} report of a mutated {path} prints the planted secret"


def test_seed_documents_are_reported_and_masked(engine: Engine) -> None:
    for path, text in SEEDS.items():
        report = scan_chunks([Chunk(text, Origin(kind="file", path=path))], engine)
        assert report.findings, f"the unmutated {path} must be reported"
        check(engine, path, text)


PROPERTY = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


@PROPERTY
@given(data=st.data())
def test_mutated_har(engine: Engine, data: st.DataObject) -> None:
    check(engine, "capture.har", data.draw(mutated(SEEDS["capture.har"])))


@PROPERTY
@given(data=st.data())
def test_mutated_openapi(engine: Engine, data: st.DataObject) -> None:
    check(engine, "openapi.json", data.draw(mutated(SEEDS["openapi.json"])))


@PROPERTY
@given(data=st.data())
def test_mutated_http_dump(engine: Engine, data: st.DataObject) -> None:
    check(engine, "exchange.http", data.draw(mutated(SEEDS["exchange.http"])))


@PROPERTY
@given(data=st.data())
def test_mutated_json_body(engine: Engine, data: st.DataObject) -> None:
    check(engine, "body.json", data.draw(mutated(SEEDS["body.json"])))
