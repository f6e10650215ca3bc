from __future__ import annotations

import pytest

from leakscan.analyzers.capture.http_dump import HTTP_DUMP
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters.json_report import report_dict

from ..capture_labels import copy_fixtures, judge, labels


@pytest.mark.parametrize("name", ["api-errors.http", "curl-verbose.txt", "error-pages.http"])
def test_labelled_dump(name, tmp_path, engine):
    root = copy_fixtures(tmp_path)
    report = report_dict(scan_paths([str(root / name)], engine), show_secrets=True)
    result = judge(report["findings"], labels()[name])
    assert not result.missed, result.missed
    assert not result.false_positives, [(f["rule_id"], f["location"]) for f in result.false_positives]


def test_positions_are_exact_in_the_dump(tmp_path, engine):
    root = copy_fixtures(tmp_path)
    report = report_dict(scan_paths([str(root / "api-errors.http")], engine), show_secrets=True)
    lines = (root / "api-errors.http").read_text().split("\n")
    for finding in report["findings"]:
        loc = finding["location"]
        first_line = finding["secret"].split("\n")[0]
        assert lines[loc["line"] - 1][loc["column"] - 1:].startswith(first_line), finding["rule_id"]


def test_findings_group_by_request(tmp_path, engine):
    root = copy_fixtures(tmp_path)
    report = report_dict(scan_paths([str(root / "api-errors.http")], engine))
    by_entry = {}
    for f in report["findings"]:
        by_entry.setdefault(f["location"]["entry"], set()).add(f["rule_id"])
    assert by_entry["GET api.shopfront.io/v2/exports/9"] == {
        "capture.header.credential", "capture.header.version-banner", "stacktrace.python"}
    assert "GET legacy.shopfront.io/legacy/orders.php?id=…" in by_entry


def test_generic_error_body_is_silent(engine):
    text = ("GET /v2/health HTTP/1.1\r\nHost: api.example.net\r\n\r\n"
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n\r\n"
            '{"error": "internal error", "request_id": "b7c1e2"}\n')
    assert scan_chunk(Chunk(text, Origin(kind="file", path="health.txt")), engine) == ([], [])


@pytest.mark.parametrize("text,claimed", [
    ("HTTP/1.1 200 OK\nServer: x\n\nhello", True),
    ("HTTP/2 404\ncontent-type: text/html\n\n", True),
    ("*   Trying 1.2.3.4:443...\n> GET / HTTP/1.1\n> Host: a\n", True),
    ("PUT /v1/items/3 HTTP/1.0\r\n\r\n", True),
    ('requests.get("GET / HTTP/1.1")\n', False),
    ("# GET /index HTTP/1.1 is what the browser sends\n", False),
])
def test_recognised_by_content(text, claimed):
    assert HTTP_DUMP.accepts("notes.txt", text) is claimed
