from __future__ import annotations

import pytest

from leakscan.masking.values import mask_value, suggest
from leakscan.model import MaskSpec

from .conftest import fake_github_token


def test_secret_keeps_prefix_only():
    token = fake_github_token(1)
    masked = mask_value(token, MaskSpec(keep_prefix=4))
    assert masked == "ghp_" + "*" * 36
    assert token[4:] not in masked


def test_never_reveals_more_than_a_third():
    masked = mask_value("hunter22", MaskSpec(keep_prefix=6, keep_suffix=6))
    assert sum(ch != "*" for ch in masked) <= len("hunter22") // 3


def test_long_secrets_are_capped():
    masked = mask_value("-----BEGIN PRIVATE KEY-----" + "A" * 2000, MaskSpec(keep_prefix=27))
    assert masked.startswith("-----BEGIN PRIVATE KEY-----") and masked.endswith("…") and len(masked) < 80


@pytest.mark.parametrize("style, value, expected", [
    ("ssn", "536-22-6789", "***-**-6789"),
    ("card", "4111 1111 1111 4242", "**** **** **** 4242"),
    ("card", "4111111111114242", "**** **** **** 4242"),
    ("email", "jane.doe@example.com", "j***@example.com"),
    ("iban", "GB82WEST12345698765432", "GB****************5432"),
    ("date", "1985-04-12", "1985-**-**"),
    ("ip", "203.0.113.77", "203.0.113.*"),
    ("phone", "+1 415 555 0199", "+* *** *** **99"),
    ("redact", "anything", "[REDACTED]"),
])
def test_industry_masks(style, value, expected):
    assert mask_value(value, MaskSpec(style=style)) == expected


def test_suggestions_by_category(engine):
    rule = engine.rule("github.pat.classic")
    s = suggest(rule, "ghp_****", pointer="/config/token")
    assert s.action == "rotate-and-remove" and "/config/token" in s.text and s.masked_value == "ghp_****"


def test_suggestions_fit_where_the_finding_was(engine):
    secret_rule = engine.rule("github.pat.classic")
    code = suggest(secret_rule, "ghp_****")
    capture = suggest(secret_rule, "ghp_****", place="capture")
    history = suggest(secret_rule, "ghp_****", place="history")
    spec = suggest(secret_rule, "ghp_****", place="spec")
    assert "from the code" in code.text
    assert "captured in traffic" in capture.text and "code" not in capture.text
    assert "git history" in history.text
    assert "in the spec" in spec.text and "code" not in spec.text
    assert len({code.text, capture.text, history.text, spec.text}) == 4


def test_a_session_cookie_in_a_har_gets_a_capture_remedy(tmp_path):
    import json

    from leakscan.config import Config
    from leakscan.engine.context import Engine
    from leakscan.pipeline.tree import scan_paths

    cookie = "sessionid=" + fake_github_token(9)[4:]
    entry = {"request": {"method": "GET", "url": "https://shop.example.org/cart", "headers": [
        {"name": "Cookie", "value": cookie}], "queryString": [], "cookies": []},
        "response": {"status": 200, "headers": [], "cookies": [], "content": {"mimeType": "text/plain", "text": "ok"}}}
    (tmp_path / "session.har").write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    report = scan_paths([str(tmp_path)], Engine.build(Config(jobs=1)))
    secrets = [f for f in report.findings if f.category == "secret"]
    assert secrets
    for f in secrets:
        assert "from the code" not in f.suggestion.text and "capture" in f.suggestion.text
