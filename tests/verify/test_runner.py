"""The runner: one request per distinct credential, backoff on 429, timeouts, no redirects, missing parts."""
from __future__ import annotations

import time
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from leakscan.verify.limits import ProviderPace
from tests.conftest import fake_github_token
from tests.verify.helpers import finding_in_file, run


def github(server: HTTPServer) -> dict[str, str]:
    return {"github": server.url_for("").rstrip("/")}


def test_a_token_found_many_times_is_asked_about_once(httpserver: HTTPServer, tmp_path: Path) -> None:
    token = fake_github_token(21)
    httpserver.expect_request("/user").respond_with_json({"login": "octocat"})
    findings = [finding_in_file(tmp_path, "github.pat.classic", token, name=f"f{i}.env") for i in range(5)]
    results = run(findings, tmp_path, github(httpserver))
    assert [f.verification.status for f in results if f.verification] == ["valid"] * 5
    assert len(httpserver.log) == 1


def test_throttling_is_waited_for_and_asked_again(httpserver: HTTPServer, tmp_path: Path) -> None:
    token = fake_github_token(22)
    httpserver.expect_ordered_request("/user").respond_with_json({}, status=429, headers={"Retry-After": "0"})
    httpserver.expect_ordered_request("/user").respond_with_json({"login": "octocat"})
    [result] = run([finding_in_file(tmp_path, "github.pat.classic", token)], tmp_path, github(httpserver), retries=2)
    assert result.verification is not None and result.verification.status == "valid"
    assert len(httpserver.log) == 2


def test_no_answer_within_the_timeout_is_an_error(httpserver: HTTPServer, tmp_path: Path) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("{}", status=200)

    httpserver.expect_request("/user").respond_with_handler(slow)
    [result] = run([finding_in_file(tmp_path, "github.pat.classic", fake_github_token(23))], tmp_path,
                   github(httpserver), timeout=0.3)
    assert result.verification is not None
    assert (result.verification.status, result.verification.detail) == ("error", "no answer within 0.3 s")


def test_a_redirect_is_not_followed(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/user").respond_with_data("", status=302, headers={"Location": "/elsewhere"})
    [result] = run([finding_in_file(tmp_path, "github.pat.classic", fake_github_token(24))], tmp_path,
                   github(httpserver))
    assert result.verification is not None and result.verification.status == "error"
    assert "/elsewhere" not in [r.path for r, _ in httpserver.log]


def test_a_missing_pair_part_skips_without_asking(httpserver: HTTPServer, tmp_path: Path) -> None:
    finding = finding_in_file(tmp_path, "twilio.auth-token", "0123456789abcdef0123456789abcdef")
    [result] = run([finding], tmp_path, {"twilio": httpserver.url_for("").rstrip("/")})
    assert result.verification is not None
    assert result.verification.status == "skipped" and "account SID" in result.verification.detail
    assert httpserver.log == []


def test_an_unreachable_endpoint_is_a_network_error(tmp_path: Path) -> None:
    [result] = run([finding_in_file(tmp_path, "github.pat.classic", fake_github_token(25))], tmp_path,
                   {"github": "http://127.0.0.1:9"})
    assert result.verification is not None and result.verification.status == "error"
    assert result.verification.detail.startswith("network error")


def test_a_rule_without_verifier_is_skipped_and_pii_is_left_alone(tmp_path: Path) -> None:
    secret_finding = finding_in_file(tmp_path, "generic.secret.quoted", "s3cr3t-value-abcdef")
    results = run([secret_finding], tmp_path, {})
    assert results[0].verification is not None and results[0].verification.detail == "no verifier for this rule"


def test_the_pace_spaces_requests_to_one_provider_and_not_across_providers() -> None:
    now = [100.0]
    slept: list[float] = []
    pace = ProviderPace(clock=lambda: now[0], sleep=slept.append)
    for _ in range(3):
        pace.wait("github", 2.0)
    pace.wait("slack", 2.0)
    assert slept == [0.5, 1.0]


def test_a_value_that_cannot_be_sent_is_an_error_for_that_finding_only(httpserver: HTTPServer,
                                                                       tmp_path: Path) -> None:
    httpserver.expect_request("/user").respond_with_json({"login": "octocat"})
    odd = finding_in_file(tmp_path, "github.pat.classic", "ghp_" + "\u20ac" * 36, name="odd.env")
    fine = finding_in_file(tmp_path, "github.pat.classic", fake_github_token(26), name="fine.env")
    results = run([odd, fine], tmp_path, github(httpserver))
    assert [r.verification.status for r in results if r.verification] == ["error", "valid"]
