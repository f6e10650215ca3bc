"""The HTML report in headless Chromium: the table renders, filters change the rows, nothing leaves the page."""
from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from leakscan.pipeline.tree import scan_paths
from leakscan.reporters import REPORTERS, ReportOptions

from .chromium import chromium, chromium_path
from .html_fixtures import plant

BINARY = chromium_path()
pytestmark = pytest.mark.skipif(
    BINARY is None, reason="headless Chromium is not installed (Debian: apt-get install -y chromium; .ci/run does it)")

ROWS = "document.querySelectorAll('#findings tbody tr.finding')"


class _Beacon(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        _Beacon.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def beacon() -> Iterator[str]:
    """A local server that counts requests: its URL is written inside the scanned capture."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Beacon)
    _Beacon.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/beacon"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _report(tmp_path: Path, engine, beacon: str) -> tuple[Path, list[str], int]:
    root = tmp_path / "scanned"
    root.mkdir()
    secrets = plant(root, beacon)
    report = scan_paths([str(root)], engine)
    out = tmp_path / "report.html"
    with out.open("w", encoding="utf-8") as handle:
        REPORTERS["html"](report, handle, ReportOptions())
    return out, secrets, len(report.findings)


def test_report_renders_filters_and_sends_no_request(tmp_path, engine, beacon):
    path, secrets, total = _report(tmp_path, engine, beacon)
    source = path.read_text()
    assert beacon in source  # the capture's URL is in the report, as text
    assert not [s for s in secrets if s in source]
    assert BINARY is not None
    with chromium(BINARY) as browser:
        browser.open(path.as_uri())
        assert browser.evaluate(f"{ROWS}.length") == total > 0
        assert browser.evaluate("document.getElementById('status').textContent") == \
            f"Showing 1–{total} of {total} findings"
        categories = browser.evaluate(f"[...new Set([...{ROWS}].map(r => r.dataset.category))]")
        assert {"pii", "secret"} <= set(categories)
        # Filter by category through the form, as a reader would.
        shown = browser.evaluate(
            "var s = document.querySelector('select[name=category]'); s.value = 'pii';"
            "s.dispatchEvent(new Event('change', {bubbles: true}));"
            f"[...{ROWS}].map(r => r.dataset.category)")
        assert shown and set(shown) == {"pii"} and len(shown) < total
        # Details open under their row: reasons and suggested masking.
        details = browser.evaluate(
            "document.querySelector('#findings tbody tr.finding button').click();"
            "document.querySelector('#findings tbody tr.details').textContent")
        assert "Reasons" in details and "Suggested masking" in details
        # Sorting by confidence puts the highest first.
        confidences = browser.evaluate(
            "document.querySelector('select[name=category]').value = '';"
            "document.querySelector('select[name=category]').dispatchEvent(new Event('change', {bubbles: true}));"
            "document.querySelector('button[data-key=conf]').click();"
            f"[...{ROWS}].map(r => parseFloat(r.children[1].textContent))")
        assert confidences == sorted(confidences, reverse=True) and len(confidences) == total
        dom = browser.evaluate("document.documentElement.outerHTML")
        assert not [s for s in secrets if s in dom]
        # A script trying to reach the beacon is stopped by the page's Content-Security-Policy.
        blocked = browser.evaluate(f"fetch('{beacon}?from=script').then(() => 'sent', () => 'blocked')",
                                   await_promise=True)
        assert blocked == "blocked"
        requests = browser.requests()
    assert requests == [path.as_uri()], requests  # the page itself, nothing else
    assert _Beacon.hits == []


def test_a_filter_in_the_address_selects_the_view(tmp_path, engine, beacon):
    path, _, total = _report(tmp_path, engine, beacon)
    assert BINARY is not None
    with chromium(BINARY) as browser:
        browser.open(path.as_uri() + "#category=secret")
        shown = browser.evaluate(f"[...{ROWS}].map(r => r.dataset.category)")
        assert shown and set(shown) == {"secret"} and len(shown) < total


def test_fifty_thousand_findings_load_page_by_page(tmp_path):
    from leakscan.model import Report, ScanStats

    from .test_html import _finding

    path = tmp_path / "big.html"
    report = Report(tuple(_finding(i) for i in range(50_000)), (), ScanStats(50_000, 10**8, 12.0, 0))
    with path.open("w", encoding="utf-8") as handle:
        REPORTERS["html"](report, handle, ReportOptions())
    assert BINARY is not None
    with chromium(BINARY) as browser:
        browser.open(path.as_uri())
        assert browser.evaluate(f"{ROWS}.length") == 100
        assert browser.evaluate("document.getElementById('page').textContent") == "Page 1 of 500"
        status = browser.evaluate("document.querySelector('button[data-page=next]').click();"
                                  "document.getElementById('status').textContent")
        assert status == "Showing 101–200 of 50000 findings"
        status = browser.evaluate(
            "var s = document.querySelector('select[name=band]'); s.value = 'high';"
            "s.dispatchEvent(new Event('change', {bubbles: true})); document.getElementById('status').textContent")
        high = sum(1 for f in report.findings if f.confidence >= 0.8)
        assert status == f"Showing 1–100 of {high} findings (filtered from 50000)"


def test_dark_mode_and_print_styles_apply(tmp_path, engine, beacon):
    path, _, _ = _report(tmp_path, engine, beacon)
    assert BINARY is not None
    background = "getComputedStyle(document.body).backgroundColor"
    filters_shown = "getComputedStyle(document.getElementById('filters')).display"
    with chromium(BINARY) as browser:
        browser.open(path.as_uri())
        browser.send("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
        assert browser.evaluate(background) == "rgb(255, 255, 255)"
        browser.send("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        assert browser.evaluate(background) == "rgb(13, 17, 23)"
        assert browser.evaluate(filters_shown) != "none"
        # Printed: light whatever the screen, no controls, the rows on screen kept.
        browser.send("Emulation.setEmulatedMedia", {"media": "print", "features": [
            {"name": "prefers-color-scheme", "value": "dark"}]})
        assert browser.evaluate(background) == "rgb(255, 255, 255)"
        assert browser.evaluate(filters_shown) == "none"
        shown = browser.evaluate(f"{ROWS}.length")
        assert shown > 0
        # Printing opens every row's details (a printout has no buttons), and closes them afterwards.
        details = "document.querySelectorAll('#findings tbody tr.details').length"
        assert browser.evaluate(f"window.dispatchEvent(new Event('beforeprint')); {details}") == shown
        assert browser.evaluate(f"window.dispatchEvent(new Event('afterprint')); {details}") == 0
