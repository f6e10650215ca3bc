"""A small capture and tree with planted fake credentials, for the HTML report's tests."""
from __future__ import annotations

import json
from pathlib import Path

from ..conftest import fake_aws_secret_key, fake_github_token


def _entry(method: str, url: str, headers: dict[str, str], status: int, body: dict[str, object]) -> dict[str, object]:
    return {
        "startedDateTime": "2026-01-05T10:00:00.000Z", "time": 10.0, "cache": {}, "timings": {"send": 0, "wait": 9,
                                                                                              "receive": 1},
        "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [], "queryString": [],
                    "headers": [{"name": k, "value": v} for k, v in headers.items()], "headersSize": -1,
                    "bodySize": 0},
        "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                     "headers": [{"name": "Content-Type", "value": "application/json"}],
                     "content": {"size": 1, "mimeType": "application/json", "text": json.dumps(body)},
                     "redirectURL": "", "headersSize": -1, "bodySize": -1},
    }


def plant(root: Path, beacon: str = "http://127.0.0.1:9/beacon") -> list[str]:
    """Write a HAR (secrets and personal data; `beacon` written as a URL inside it) and two source files;
    return the planted secrets."""
    secrets = [fake_github_token(41), fake_github_token(42), fake_aws_secret_key(41), fake_github_token(43)]
    har = {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [
        _entry("GET", f"https://api.example.test/v1/users/1001?access_token={secrets[0]}",
               {"Accept": "application/json"}, 200,
               {"id": 1001, "email": "dana.whitfield@corpmail.net", "phone": "+44 7911 123456",
                "github_token": secrets[1], "avatar": f"<img src=\"{beacon}\">"}),
        _entry("GET", f"{beacon}?token={secrets[3]}", {"Accept": "application/json"}, 200, {"ok": True}),
    ]}}
    (root / "session.har").write_text(json.dumps(har, indent=1))
    (root / "settings.py").write_text(f"AWS_SECRET_ACCESS_KEY = '{secrets[2]}'\nGITHUB_TOKEN = '{secrets[1]}'\n")
    (root / "notes.md").write_text(f"deploy with <script src=\"{beacon}\"></script> token {secrets[3]}\n")
    return secrets
