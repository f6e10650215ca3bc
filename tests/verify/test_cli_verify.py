"""`--verify` on a scan and `leakscan verify REPORT.json`, end to end against a local GitHub."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from leakscan.cli import cli
from tests.conftest import fake_github_token

LIVE, REVOKED = fake_github_token(11), fake_github_token(12)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "live.env").write_text(f"GITHUB_TOKEN={LIVE}\n")
    (root / "revoked.env").write_text(f"GH_TOKEN={REVOKED}\n")
    return root


@pytest.fixture
def github(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/user", headers={"Authorization": f"token {LIVE}"}).respond_with_json(
        {"login": "octocat"}, headers={"X-OAuth-Scopes": "repo, read:org"})
    httpserver.expect_request("/user", headers={"Authorization": f"token {REVOKED}"}).respond_with_json(
        {"message": "Bad credentials"}, status=401)
    return httpserver


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def by_file(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {f["location"]["path"]: f for f in report["findings"]}  # type: ignore[index,union-attr]


def assert_no_token(*texts: str) -> None:
    for text in texts:
        assert LIVE not in text and REVOKED not in text


def test_verify_marks_the_live_token_valid_and_the_revoked_one_invalid(tree: Path, github: HTTPServer,
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = invoke("scan", str(tree), "--verify", "--verify-endpoint", f"github={github.url_for('')}",
                    "--format", "json", "-o", str(out), "--no-progress")
    assert result.exit_code == 1, result.output
    findings = by_file(json.loads(out.read_text()))
    live, revoked = findings["live.env"], findings["revoked.env"]
    assert live["verification"]["status"] == "valid"  # type: ignore[index]
    assert live["verification"]["provider"] == "github"  # type: ignore[index]
    assert "octocat" in live["verification"]["detail"]  # type: ignore[index]
    assert live["confidence"] == 1.0
    assert revoked["verification"]["status"] == "invalid"  # type: ignore[index]
    assert revoked["confidence"] < 0.9 and any("refused" in r for r in revoked["reasons"])  # type: ignore[union-attr]
    assert len(github.log) == 2
    assert_no_token(result.stdout, result.stderr, out.read_text())


def test_without_verify_no_request_is_made(tree: Path, github: HTTPServer) -> None:
    result = invoke("scan", str(tree), "--format", "json", "--no-progress")
    assert result.exit_code == 1
    assert github.log == []
    assert all("verification" not in f for f in json.loads(result.stdout)["findings"])


def test_text_report_shows_live_and_only_verified_keeps_it(tree: Path, github: HTTPServer) -> None:
    endpoint = f"github={github.url_for('')}"
    text = invoke("scan", str(tree), "--verify", "--verify-endpoint", endpoint, "--no-progress", "--no-color")
    assert "LIVE" in text.stdout and "not live: github refused it" in text.stdout
    only = invoke("scan", str(tree), "--only-verified", "--verify-endpoint", endpoint, "--format", "json",
                  "--no-progress")
    assert list(by_file(json.loads(only.stdout))) == ["live.env"]
    assert_no_token(text.stdout, text.stderr, only.stdout, only.stderr)


def test_fail_on_live_exits_1_only_for_a_live_credential(tree: Path, github: HTTPServer) -> None:
    endpoint = f"github={github.url_for('')}"
    assert invoke("scan", str(tree), "--verify", "--verify-endpoint", endpoint, "--fail-on", "live",
                  "--no-progress").exit_code == 1
    (tree / "live.env").unlink()
    assert invoke("scan", str(tree), "--verify", "--verify-endpoint", endpoint, "--fail-on", "live",
                  "--no-progress").exit_code == 0
    (tree / "live.env").write_text(f"GITHUB_TOKEN={LIVE}\n")
    github.clear_log()
    assert invoke("scan", str(tree), "--verify-endpoint", endpoint, "--fail-on", "live",  # implies --verify
                  "--no-progress").exit_code == 1
    assert len(github.log) == 2


def test_dry_run_prints_masked_requests_and_sends_none(tree: Path, github: HTTPServer) -> None:
    result = invoke("scan", str(tree), "--verify-dry-run", "--format", "json", "--no-progress")
    assert result.stderr.count("would ask github: GET https://api.github.com/user") == 2
    assert "token ghp_****" in result.stderr
    assert github.log == []
    assert_no_token(result.stdout, result.stderr)


def test_an_endpoint_naming_no_verifier_is_a_usage_error(tree: Path) -> None:
    result = invoke("scan", str(tree), "--verify", "--verify-endpoint", "gitbub=http://127.0.0.1:9")
    assert result.exit_code == 2 and "gitbub" in result.stderr


def test_verify_command_rereads_secrets_from_their_files(tree: Path, github: HTTPServer, tmp_path: Path) -> None:
    report = tmp_path / "scan.json"
    invoke("scan", str(tree), "--format", "json", "-o", str(report), "--no-progress")
    assert github.log == [] and "verification" not in report.read_text()
    endpoint = f"github={github.url_for('')}"
    result = invoke("verify", str(report), "--root", str(tree), "--verify-endpoint", endpoint, "--format", "json")
    findings = by_file(json.loads(result.stdout))
    assert findings["live.env"]["verification"]["status"] == "valid"  # type: ignore[index]
    assert findings["revoked.env"]["verification"]["status"] == "invalid"  # type: ignore[index]
    assert_no_token(result.stdout, result.stderr)

    (tree / "live.env").unlink()
    (tree / "revoked.env").write_text(f"GH_TOKEN={fake_github_token(13)}\n")  # same place, another value
    github.clear_log()
    again = by_file(json.loads(invoke("verify", str(report), "--root", str(tree), "--verify-endpoint", endpoint,
                                      "--format", "json").stdout))
    assert again["live.env"]["verification"]["detail"] == "location gone"  # type: ignore[index]
    assert again["revoked.env"]["verification"]["detail"].startswith("location changed")  # type: ignore[index]
    assert github.log == []


def test_verify_command_refuses_what_is_not_a_json_report(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    bad.write_text("[]")
    result = invoke("verify", str(bad))
    assert result.exit_code == 2 and "not a leakscan JSON report" in result.stderr
