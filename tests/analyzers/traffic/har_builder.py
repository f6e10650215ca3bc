"""Real HAR files for the traffic tests: a page on shop.example, its API, and other sites' hosts.

Values are generated fakes with valid structure (tests/conftest.py generators, seeded
random ids); nothing here is a real credential or person.
"""
from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Report
from leakscan.pipeline.tree import scan_paths

from ...conftest import fake_github_token

PAGE = "https://www.shop.example/account"
API = "https://api.shop.example/v1"
TRACKER = "https://collect.metrics-vendor.example.org"
_rng = random.Random(1616)


def session_id(n: int = 32) -> str:
    return "".join(_rng.choice(string.ascii_lowercase + string.digits) for _ in range(n))


TOKEN = fake_github_token(1616)
SID = session_id()
PERSON = {"id": 81722, "name": "Dana Whitfield", "email": "dana.whitfield@corpmail.net", "phone": "+44 7911 123456"}


def entry(method: str, url: str, *, headers: dict[str, str] | None = None, status: int = 200,
          response_headers: dict[str, str] | list[tuple[str, str]] | None = None, body: Any = None,
          mime: str = "application/json", query: dict[str, str] | None = None, post: Any = None,
          cookies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    pairs = response_headers.items() if isinstance(response_headers, dict) else response_headers or []
    request: dict[str, Any] = {
        "method": method, "url": url, "httpVersion": "HTTP/1.1",
        "headers": [{"name": k, "value": v} for k, v in (headers or {}).items()],
        "queryString": [{"name": k, "value": v} for k, v in (query or {}).items()],
        "cookies": [], "headersSize": -1, "bodySize": 0}
    if post is not None:
        request["postData"] = {"mimeType": "application/json", "text": post if isinstance(post, str)
                               else json.dumps(post)}
    content: dict[str, Any] = {"size": len(text or ""), "mimeType": mime}
    if text is not None:
        content["text"] = text
    return {"startedDateTime": "2026-01-05T10:00:00.000Z", "time": 12.5, "request": request,
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                         "headers": [{"name": k, "value": v} for k, v in pairs], "cookies": cookies or [],
                         "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
            "cache": {}, "timings": {"send": 0.1, "wait": 10.0, "receive": 2.4}}


def page_entry() -> dict[str, Any]:
    return entry("GET", PAGE, mime="text/html", body="<html><body>account</body></html>",
                 response_headers={"Cache-Control": "no-store"})


def har(entries: list[dict[str, Any]], title: str | None = PAGE) -> dict[str, Any]:
    pages = [{"startedDateTime": "2026-01-05T10:00:00.000Z", "id": "page_1", "title": title,
              "pageTimings": {}}] if title else []
    return {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                    "pages": pages, "entries": entries}}


def write_har(folder: Path, entries: list[dict[str, Any]], name: str = "capture.har", **kwargs: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(har(entries, **kwargs), indent=2), encoding="utf-8")
    return path


def scan_har(folder: Path, entries: list[dict[str, Any]], engine: Engine | None = None, **kwargs: Any) -> Report:
    """Write the capture into `folder` and scan the folder (reported paths are relative to it)."""
    write_har(folder, entries, **kwargs)
    return scan_paths([str(folder)], engine or Engine.build(Config(jobs=1)))


def rule_ids(report: Report, prefix: str = "exposure.") -> list[str]:
    return sorted(f.rule_id for f in report.findings if f.rule_id.startswith(prefix))
