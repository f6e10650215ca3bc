from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from leakscan.analyzers.capture.har import HAR
from leakscan.cli import cli
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters.json_report import report_dict

from ..capture_labels import copy_fixtures, judge, labels

# Optional public HAR exports (not in the repository): point LEAKSCAN_HAR_SAMPLES at the folder to run.
SAMPLES = Path(os.environ["LEAKSCAN_HAR_SAMPLES"]) if os.environ.get("LEAKSCAN_HAR_SAMPLES") else None


@pytest.fixture(scope="module")
def session_report(tmp_path_factory, engine):
    root = copy_fixtures(tmp_path_factory.mktemp("har"))
    return report_dict(scan_paths([str(root / "shop-session.har")], engine), show_secrets=True)


def _by_place(report, pointer):
    return [f for f in report["findings"] if f["location"]["pointer"] == pointer]


def test_every_labelled_value_is_found_and_nothing_else(session_report):
    result = judge(session_report["findings"], labels()["shop-session.har"])
    assert not result.missed, result.missed
    assert not result.false_positives, [(f["rule_id"], f["location"]["pointer"]) for f in result.false_positives]


def test_cookie_header_and_cookies_list_are_one_finding(session_report):
    (cookie,) = _by_place(session_report, "/log/entries/0/request/headers/2/value")
    assert cookie["rule_id"] == "capture.cookie.session"
    assert cookie["also_at"] == ["/log/entries/0/request/cookies/1/value"]
    assert cookie["masked"].startswith("ay") and "*" in cookie["masked"]


def test_url_query_string_and_referer_are_one_finding(session_report):
    (token,) = _by_place(session_report, "/log/entries/1/request/url")
    assert token["category"] == "url-token"
    assert set(token["also_at"]) == {"/log/entries/1/request/queryString/0/value",
                                     "/log/entries/8/request/headers/0/value"}
    assert not [f for f in session_report["findings"] if f["location"]["pointer"] in token["also_at"]]


def test_json_body_findings_carry_inner_pointer_line_and_exact_column(session_report, tmp_path):
    (email,) = _by_place(session_report, "/log/entries/0/response/content/text#/email")
    loc = email["location"]
    assert loc["entry"] == "#0 GET https://api.shopfront.io/v2/me"
    har_lines = (Path(__file__).parents[1] / "fixtures" / "captures" / "shop-session.har").read_text().split("\n")
    assert har_lines[loc["line"] - 1][loc["column"] - 1:].startswith(email["secret"])
    assert email["masked"] == "d***@corpmail.net"


def test_base64_body_is_decoded(session_report):
    ssn = _by_place(session_report, "/log/entries/7/response/content/text#/applicant/ssn")
    assert ssn and ssn[0]["masked"] == "***-**-1845" and ssn[0]["location"]["line"] > 0


def test_masked_values_luhn_failures_and_generic_errors_are_silent(tmp_path, engine):
    root = copy_fixtures(tmp_path)
    report = scan_paths([str(root / "clean.har")], engine)
    assert report.findings == () and report.errors == ()


def test_query_token_in_entry_label_is_elided(session_report):
    entries = {f["location"]["entry"] for f in session_report["findings"]}
    assert "#1 GET https://api.shopfront.io/v2/orders?access_token=…&page=…" in entries
    assert not any("SPi8" in e for e in entries)


def test_text_report_groups_by_entry_with_pointers(tmp_path):
    root = copy_fixtures(tmp_path)
    result = CliRunner().invoke(cli, ["scan", str(root / "shop-session.har"), "--no-progress"])
    assert result.exit_code == 1
    assert "shop-session.har — #0 GET https://api.shopfront.io/v2/me\n" in result.output
    assert "/log/entries/0/response/content/text#/email" in result.output
    assert "dana.whitfield@corpmail.net" not in result.output


def test_truncated_har_keeps_complete_entries_and_reports_an_error(tmp_path, engine):
    text = (Path(__file__).parents[1] / "fixtures" / "captures" / "shop-session.har").read_text()
    cut = text[: text.index('"pageref"', text.index("/v2/kyc/81722") - 2000)]  # inside entry 7
    (tmp_path / "cut.har").write_text(cut)
    report = scan_paths([str(tmp_path / "cut.har")], engine)
    (error,) = report.errors
    assert "not a complete HAR" in error.message and "complete entries scanned" in error.message
    pointers = {f.location.pointer for f in report.findings}
    assert "/log/entries/0/response/content/text#/email" in pointers
    assert "/log/entries/4/response/content/text#/trace" in pointers


def test_50_mb_base64_body_is_bounded(tmp_path):
    body = json.dumps({"note": "secret below", "ssn": "536-22-1845"}) + " " * (50 * 1024 * 1024)
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [{
        "request": {"method": "GET", "url": "https://api.example.net/export", "headers": []},
        "response": {"status": 200, "headers": [], "content": {
            "mimeType": "application/json", "encoding": "base64",
            "text": base64.b64encode(body.encode()).decode()}}}]}}
    path = tmp_path / "big.har"
    path.write_text(json.dumps(har))
    # Found by walking a tree: the file size limit applies.
    walked = scan_paths([str(tmp_path)], Engine.build(Config(jobs=1)))
    assert "size limit" in walked.errors[0].message and not walked.findings
    # Named on the command line: scanned, the huge body bounded.
    named = scan_paths([str(path)], Engine.build(Config(jobs=1)))
    (error,) = named.errors
    assert "scan limit" in error.message and "/log/entries/0/response/content/text" in error.message
    values = [f.rule_id for f in named.findings if f.category != "exposure"]  # exposure: tests/analyzers/traffic
    assert values == ["pii.ssn.keyed"]  # the beginning was scanned


def test_bom_and_content_recognition(engine):
    text = "\ufeff" + json.dumps({"log": {"version": "1.2", "entries": [{"request": {
        "method": "GET", "url": "https://x.example/a?api_key=daeeb975729fae923d5a4fd12aabfe22", "headers": []},
        "response": {"status": 200}}]}})
    assert HAR.accepts("capture.json", text)
    findings, errors = scan_chunk(Chunk(text, Origin(kind="file", path="capture.json")), engine)
    assert not errors
    assert [(f.rule_id, f.location.line, f.location.column) for f in findings] == [
        ("capture.url.credential-param", 1, text.index("daeeb") + 1)]


def test_json_without_log_entries_is_an_error_and_still_scanned(engine):
    text = json.dumps({"test_response": {"log": {"entries": []}}, "password": "9nhFyJfm%5di4P"})
    findings, errors = scan_chunk(Chunk(text, Origin(kind="file", path="weird.har")), engine)
    assert errors and "not a HAR file" in errors[0].message
    assert [(f.category, f.location.pointer) for f in findings] == [("secret", "/password")]


@pytest.mark.skipif(SAMPLES is None or not SAMPLES.is_dir(),
                    reason="optional public HAR samples: set LEAKSCAN_HAR_SAMPLES to their folder")
def test_real_hars_parse_or_become_errors(engine):
    paths = sorted(SAMPLES.rglob("*.har"))
    assert len(paths) == 26  # the folder's 28 files are these and two licences
    report = scan_paths([str(p) for p in paths], engine)
    assert report.stats.files == 26
    messages = [e.message for e in report.errors]
    assert not any("scan failed" in m for m in messages), messages
    assert len(messages) == 2  # brokenfile.har (not JSON) and har_extractor.har (no log.entries)
    # What is reported there is a credential, a cookie or a version banner, never a PII guess.
    assert {f.category for f in report.findings} <= {"secret", "url-token", "exposure"}
