"""The HTML report: self-contained, masked, escaped, with the summary, endpoints and 50,000 findings."""
from __future__ import annotations

import io
import json
import re
import time
from dataclasses import dataclass, replace

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.model import Finding, Location, Report, ScanStats, Suggestion
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters import REPORTERS, ReportOptions
from leakscan.reporters.html import band, render

from .html_fixtures import plant


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, engine) -> tuple[Report, list[str]]:
    root = tmp_path_factory.mktemp("html")
    secrets = plant(root)
    return scan_paths([str(root)], engine), secrets


def html_of(report: Report, **options: bool) -> str:
    out = io.StringIO()
    REPORTERS["html"](report, out, ReportOptions(**options))
    return out.getvalue()


def embedded_rows(html: str) -> list[dict]:
    match = re.search(r'<script id="report-data" type="application/json">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def test_holds_every_finding_masked_and_no_plaintext(scanned):
    report, secrets = scanned
    html = html_of(report)
    assert report.findings and not [s for s in secrets if s in html]
    rows = embedded_rows(html)
    assert [(r["rule"], r["path"], r["line"]) for r in rows] == [
        (f.rule_id, f.location.path, f.location.line) for f in report.findings]
    assert all(r["masked"] == f.masked for r, f in zip(rows, report.findings, strict=True))
    shown = html_of(report, show_secrets=True)
    found = {f.secret for f in report.findings if f.category == "secret"}
    assert found and all(s in shown for s in found) and "do not share it" in shown


def test_self_contained_no_external_resource_and_a_csp_that_forbids_requests(scanned):
    html = html_of(scanned[0])
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    # No element loads anything: no src=, no <link>, no href but in-page anchors. The beacon URL written in the
    # capture is only text (escaped JSON or an escaped table cell).
    assert not re.search(r"<(img|script|iframe|link|object|embed|source|video|audio)\b[^>]*\b(src|href|data)=",
                         html, re.I)
    assert not re.search(r"\bhref=\"(?!#)", html)
    assert "<img src=" not in html and '<script src="http' not in html
    data = re.search(r'<script id="report-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in data and ">" not in data  # tojson escapes them: no finding text can close the script


def test_summary_counts_and_bands(scanned):
    report = scanned[0]
    html = html_of(report)
    categories = {f.category for f in report.findings}
    for category in categories:
        count = sum(1 for f in report.findings if f.category == category)
        assert re.search(rf'<th scope="row">{category}</th><td class="num">{count}</td>', html), category
    assert band(0.95) == "high" and band(0.8) == "high" and band(0.7) == "medium" and band(0.2) == "low"
    assert "Endpoints most affected" in html  # the capture's entries


def test_endpoints_table_when_the_report_has_an_inventory(scanned):
    @dataclass(frozen=True)
    class Row:  # the inventory row's shape (model.Endpoint when present): read by attribute
        method: str = "GET"
        host: str = "api.example.test"
        path_template: str = "/v1/users/{id}"
        auth: tuple[str, ...] = ("bearer",)
        statuses: tuple[int, ...] = (200, 404)
        data_classes: tuple[str, ...] = ("email", "phone")
        documented: bool | None = False
        undeclared_fields: tuple[str, ...] = ("ssn",)
        calls: int = 3

    report = scanned[0]
    assert "Endpoints (" not in html_of(report)
    with_inventory = replace(report, endpoints=(Row(),)) if hasattr(report, "endpoints") else report
    if with_inventory is report:
        pytest.skip("Report has no endpoints field yet")
    html = html_of(with_inventory)
    assert "Endpoints (1)" in html and "/v1/users/{id}" in html and "200, 404" in html and "email, phone" in html


def test_live_badge_for_a_verified_finding(scanned):
    @dataclass(frozen=True)
    class Answer:
        status: str = "valid"
        detail: str = "user octocat"

    report = scanned[0]
    first = report.findings[0]
    try:
        live = replace(first, verification=Answer())
    except TypeError:
        pytest.skip("Finding has no verification field yet")
    html = html_of(replace(report, findings=(live,) + report.findings[1:]))
    assert "1 LIVE" in html and embedded_rows(html)[0]["live"] == "valid"


def test_markup_in_findings_is_escaped(scanned):
    report = scanned[0]
    evil = replace(report.findings[0], name="<b onmouseover=alert(1)>x</b>",
                   location=replace(report.findings[0].location, path="<img src=x onerror=alert(1)>.py"))
    html = html_of(replace(report, findings=(evil,)))
    assert "<img src=x" not in html and "<b onmouseover" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.py" in html  # the files chart, escaped


def _finding(i: int) -> Finding:
    category = ("secret", "pii", "url-token", "stacktrace", "exposure")[i % 5]
    return Finding(
        rule_id=f"rule.n{i % 40}", category=category, name=f"Rule {i % 40}", severity=("low", "high")[i % 2],
        confidence=(i % 100) / 100, reasons=("matched pattern", "keyword nearby"),
        location=Location(f"src/mod{i % 500}/file{i}.py", i % 300 + 1, 5, i % 300 + 1, 45),
        masked="ghp_" + "*" * 36, fingerprint=f"sha256:{i:064x}",
        suggestion=Suggestion("rotate-and-remove", "Rotate the token and read it from the environment.", "ghp_****"),
        secret_hash=f"{i:064x}")


def test_fifty_thousand_findings_render_quickly_and_stay_paginated():
    report = Report(tuple(_finding(i) for i in range(50_000)), (), ScanStats(50_000, 10**8, 12.0, 0))
    started = time.perf_counter()
    html = render(report, ReportOptions())
    elapsed = time.perf_counter() - started
    assert elapsed < 20, elapsed
    assert len(embedded_rows(html)) == 50_000
    assert html.count('<tr class="finding"') == 0  # rows are drawn a page at a time by the script, not all in the HTML
    assert len(html) < 50_000 * 900  # bytes per finding stay bounded


def test_scan_command_writes_html(tmp_path):
    plant(tmp_path)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "html", "-o", str(out), "--no-progress",
                                      "-j", "1"])
    assert result.exit_code == 1, result.output
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_a_non_editable_install_ships_the_templates(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(repo)], check=True, capture_output=True)
    assert {p.name for p in (target / "leakscan" / "reporters" / "templates").iterdir()} >= {
        "report.html.j2", "report.css", "report.js"}
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("import leakscan, leakscan.reporters.html as h; from leakscan.model import Report, ScanStats;"
            "from leakscan.reporters import ReportOptions; print(leakscan.__file__);"
            "print(h.render(Report((), (), ScanStats(0, 0, 0.0, 0)), ReportOptions()))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(str(target))  # the installed copy, not the checkout
    assert "leakscan report" in result.stdout and 'id="report-data"' in result.stdout
