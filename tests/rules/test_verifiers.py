"""Verifier data: the shipped table and custom packs' `verify:` blocks are validated like rules."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from leakscan.cli import cli
from leakscan.rules.loader import RuleError, check_verifiers, load_pack, load_rules
from leakscan.rules.verifiers import VerifierError, parse_verifier

GOOD: dict[str, Any] = {
    "provider": "acme", "rules": ["acme.token"], "docs": "https://docs.acme.example/api/whoami",
    "request": {"method": "GET", "base": "https://api.acme.example", "path": "/v1/whoami",
                "headers": {"Authorization": "Bearer ${secret}"}},
    "valid": [{"status": 200}], "invalid": [{"status": 401}], "detail": ["login"],
}


def variant(**changes: Any) -> dict[str, Any]:
    block = json.loads(json.dumps(GOOD))
    for dotted, value in changes.items():
        node = block
        *path, last = dotted.split("__")
        for key in path:
            node = node[key]
        node[last] = value
    return block


def test_the_shipped_verifiers_are_valid_and_name_loaded_rules() -> None:
    assert check_verifiers(load_rules()) >= 40


@pytest.mark.parametrize(("changes", "problem"), [
    ({"request__base": "http://api.acme.example"}, "https URL"),
    ({"request__method": "DELETE"}, "method"),
    ({"request__method": "POST"}, "note"),
    ({"request__path": "/v1/${user}"}, "names no part"),
    ({"request__base": "https://${tenant}.acme.example", "parts": {"tenant": {"pattern": "t=(\\w+)"}}},
     "must be a label"),
    ({"request__path": "/${url}/x", "parts": {"url": {"pattern": "(https://\\S+)", "shape": "url"}}}, "url part"),
    ({"request__verb": "GET"}, "unknown key"),
    ({"valid": []}, "conditions"),
    ({"parts": {"x": {"pattern": "no group"}}}, "group 1"),
])
def test_an_unsafe_or_malformed_verifier_is_rejected(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(VerifierError, match=problem):
        parse_verifier(variant(**changes))


def _pack(tmp_path: Path, verify: dict[str, Any]) -> Path:
    pack = tmp_path / "acme.yaml"
    rule = {"id": "acme.token", "name": "Acme token", "category": "secret", "severity": "high", "confidence": 0.9,
            "pattern": r"\b(acme_[A-Za-z0-9]{32})\b", "keywords": ["acme_"],
            "examples": ["ACME_TOKEN=acme_" + "Ab1" * 10 + "Cd"], "negative_examples": ["acme_short"],
            "verify": verify}
    pack.write_text(yaml.safe_dump([rule]))
    return pack


def test_a_custom_pack_rule_may_carry_its_verifier(tmp_path: Path) -> None:
    block = {k: v for k, v in GOOD.items() if k not in ("provider", "rules")}
    [rule] = load_pack(_pack(tmp_path, block))
    assert json.loads(rule.verify)["rules"] == ["acme.token"]
    with pytest.raises(RuleError, match="verify: .*https URL"):
        load_pack(_pack(tmp_path, {**block, "request": {**block["request"], "base": "http://x.example"}}))


def test_scan_verifies_with_a_custom_pack_verifier(tmp_path: Path, httpserver: HTTPServer) -> None:
    token = "acme_" + "Zq7" * 10 + "Xy"
    block = {k: v for k, v in GOOD.items() if k not in ("rules",)}
    pack = _pack(tmp_path, block)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.env").write_text(f"ACME_TOKEN={token}\n")
    httpserver.expect_request("/v1/whoami", headers={"Authorization": f"Bearer {token}"}).respond_with_json(
        {"login": "svc-build"})
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "src"), "--rules", str(pack), "--verify",
                                      "--verify-endpoint", f"acme={httpserver.url_for('')}", "--format", "json",
                                      "--no-progress"])
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["verification"]["status"] == "valid" and "svc-build" in finding["verification"]["detail"]
    assert token not in result.stdout + result.stderr
