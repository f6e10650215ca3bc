"""The API inventory of a capture, from the scan's own findings, with and without a spec; a large
capture read again block by block."""
from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator, Sequence
from dataclasses import replace

import yaml

from leakscan.analyzers.traffic.inventory import STREAM_FROM, Inventory, load_spec, report_endpoints
from leakscan.config import Config
from leakscan.model import Finding, Report, ScanStats

from .har_builder import API, PERSON, SID, TOKEN, entry, har, page_entry, scan_har

SPEC = {
    "openapi": "3.0.3", "info": {"title": "shop", "version": "1"},
    "servers": [{"url": "https://api.shop.example/v1"}],
    "paths": {"/me": {"get": {"responses": {"200": {"description": "me", "content": {"application/json": {
        "schema": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}}}}}}}},
}


def _entries():
    trace = ("Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 41, in search\n"
             "    rows = db.query(q)\nKeyError: 'q'")
    return [
        page_entry(),
        entry("GET", f"{API}/me", headers={"Authorization": f"Bearer {TOKEN}"}, body=PERSON),
        entry("GET", f"{API}/orders/1001", headers={"Cookie": f"sessionid={SID}"}, body={"total": 3}),
        entry("GET", f"{API}/orders/1002", headers={"Cookie": f"sessionid={SID}"}, status=404, body={}),
        entry("GET", f"{API}/search", status=500, mime="text/plain", body=trace),
        entry("GET", f"{API}/feed", query={"api_key": TOKEN}, body=[]),
        entry("OPTIONS", f"{API}/me"),
        entry("GET", "https://www.shop.example/static/app.css", mime="text/css", body="a{}"),
    ]


def _by_path(endpoints):
    return {(e.method, e.path_template): e for e in endpoints}


def test_endpoints_auth_statuses_and_data_classes(tmp_path, engine):
    report = scan_har(tmp_path, _entries(), engine)
    endpoints = _by_path(report_endpoints([str(tmp_path)], report, engine.config))
    assert set(endpoints) == {("GET", "/account"), ("GET", "/v1/me"), ("GET", "/v1/orders/{id}"),
                              ("GET", "/v1/search"), ("GET", "/v1/feed")}  # no preflight, no stylesheet
    me, orders = endpoints["GET", "/v1/me"], endpoints["GET", "/v1/orders/{id}"]
    assert me.auth == ("bearer",) and me.data_classes == ("email", "phone") and me.documented is None
    assert orders.auth == ("cookie",) and orders.statuses == (200, 404) and orders.calls == 2
    assert endpoints["GET", "/v1/search"].data_classes == ("stack-trace",)
    assert endpoints["GET", "/v1/feed"].auth == ("api-key-query",)
    assert endpoints["GET", "/account"].auth == ("none",)


def test_with_a_spec_undocumented_endpoints_and_undeclared_fields(tmp_path, engine):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    index, error = load_spec(str(spec), engine.config.max_file_size)
    assert error is None
    report = scan_har(tmp_path / "c", _entries(), engine)
    endpoints = _by_path(report_endpoints([str(tmp_path / "c")], report, engine.config, index))
    assert endpoints["GET", "/v1/me"].documented is True
    assert endpoints["GET", "/v1/me"].undeclared_fields == ("email", "phone")
    assert endpoints["GET", "/v1/orders/{id}"].documented is False
    assert endpoints["GET", "/account"].documented is None  # not the API's host: the spec does not speak of it


class _CountedReads(Sequence[Finding]):
    """A report's findings that count how often they are read through (a spill decodes every record each time)."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings, self.reads = tuple(findings), 0

    def __len__(self) -> int:
        return len(self.findings)

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self.findings[index]

    def __iter__(self) -> Iterator[Finding]:
        self.reads += 1
        return iter(self.findings)


def test_the_findings_are_read_once_and_give_what_three_readings_gave(tmp_path, engine):
    """With 160,001 findings spilled, each reading decoded every record (about 10 us each): the files
    with entries, each file's places and the values to mask now come from one reading."""
    report = scan_har(tmp_path, _entries(), engine)
    counted = _CountedReads(report.findings)
    endpoints = report_endpoints([str(tmp_path)], replace(report, findings=counted), engine.config, engine=engine)
    assert counted.reads == 1
    assert endpoints == report_endpoints([str(tmp_path)], report, engine.config, engine=engine)
    assert _by_path(endpoints)["GET", "/v1/me"].data_classes == ("email", "phone")


def test_a_broken_spec_says_why():
    index, error = load_spec("/nonexistent/openapi.yaml", 1000)
    assert index is None and error and "cannot use --spec" in error


def test_inventory_needs_no_findings_to_list_endpoints():
    inventory = Inventory()
    inventory.add_capture(json.dumps({"log": {"entries": [entry("DELETE", f"{API}/carts/77")]}}), [])
    (endpoint,) = inventory.endpoints()
    assert (endpoint.method, endpoint.path_template, endpoint.data_classes) == ("DELETE", "/v1/carts/{id}", ())


def test_config_carries_first_party():
    assert Config(first_party="shop.example").first_party == "shop.example"


def _large_capture(tmp_path, extra=""):
    """A one-line capture over twice STREAM_FROM: many calls to a few endpoints, large response bodies."""
    body = {"items": [{"sku": f"SKU-{i:06d}", "title": "blue running shoes " * 6} for i in range(12)]}
    entries = [entry("GET" if i % 3 else "POST", f"{API}/products/{i}" if i % 2 else f"{API}/cart",
                     status=200 if i % 5 else 404, body=body, headers={"X-Note": extra} if extra else None)
               for i in range(STREAM_FROM // 700)]
    path = tmp_path / "big.har"
    path.write_text(json.dumps(har(entries), separators=(",", ":")), encoding="utf-8")
    assert path.stat().st_size > 2 * STREAM_FROM
    return path


def _endpoints_traced(path, config):
    report = Report((), (), ScanStats(1, path.stat().st_size, 0.0, 0))
    report_endpoints([str(path)], report, config)  # modules imported on first use are not the read's memory
    tracemalloc.start()
    try:
        endpoints = report_endpoints([str(path)], report, config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return endpoints, peak


def test_a_large_capture_is_read_again_block_by_block(tmp_path):
    """Read whole, the capture's bytes and text (twice its size) were held beside the report's findings."""
    path = _large_capture(tmp_path)
    endpoints, peak = _endpoints_traced(path, Config())
    whole = Inventory()
    whole.add_capture(path.read_text(encoding="utf-8"), [])
    assert endpoints == whole.endpoints() and len(endpoints) == 4
    assert sum(e.calls for e in endpoints) > 2000
    assert peak < path.stat().st_size / 2


def test_a_large_capture_the_openapi_scanner_might_claim_is_read_whole_and_gives_the_same(tmp_path):
    path = _large_capture(tmp_path, extra="see the openapi document")
    endpoints, peak = _endpoints_traced(path, Config())
    whole = Inventory()
    whole.add_capture(path.read_text(encoding="utf-8"), [])
    assert endpoints == whole.endpoints() and peak > path.stat().st_size  # read whole: bytes and text
