"""JUnit XML and GitLab secret-detection reports: accepted by a JUnit parser and GitLab's published schema."""
from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from junitparser import Error, Failure, JUnitXml

from leakscan.cli import cli
from leakscan.model import Report, ScanError, ScanStats
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters import REPORTERS, ReportOptions

from ..conftest import FIXTURES, fake_aws_secret_key, fake_github_token

# GitLab security-report-schemas v15.0.7 (dist/secret-detection-report-format.json), vendored: see its $comment.
GITLAB_SCHEMA = FIXTURES / "schemas" / "gitlab-secret-detection-report-format-15.0.7.json"


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("ci")
    secrets = [fake_github_token(31), fake_aws_secret_key(31), fake_github_token(32)]
    (root / "config").mkdir()
    (root / "config" / "settings.py").write_text(
        f"GITHUB_TOKEN = '{secrets[0]}'\nAWS_SECRET_ACCESS_KEY = '{secrets[1]}'\n")
    (root / "deploy.sh").write_text(f"export GH={secrets[2]}\n")
    return root, secrets


@pytest.fixture(scope="module")
def report(planted, engine) -> Report:
    return scan_paths([str(planted[0])], engine)


def render(report: Report, fmt: str, **options: bool) -> str:
    out = io.StringIO()
    REPORTERS[fmt](report, out, ReportOptions(**options))
    return out.getvalue()


def test_junit_has_one_failed_case_per_finding_in_one_suite_per_file(report, tmp_path):
    path = tmp_path / "leakscan.xml"
    path.write_text(render(report, "junit"))
    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    by_file: dict[str, int] = {}
    for finding in report.findings:
        by_file[finding.location.path] = by_file.get(finding.location.path, 0) + 1
    assert {name: len(list(suite)) for name, suite in suites.items()} == by_file
    for suite in suites.values():
        assert suite.failures == suite.tests == len(list(suite))
        for case in suite:
            (failure,) = case.result
            assert isinstance(failure, Failure)
            assert case.classname == suite.name
    assert len(report.findings) == 3


def test_junit_and_gitlab_hold_no_plaintext_unless_asked(report, planted):
    for fmt in ("junit", "gitlab"):
        text = render(report, fmt)
        assert not [s for s in planted[1] if s in text], fmt
        shown = render(report, fmt, show_secrets=True)
        assert all(s in shown for s in planted[1]), fmt


def test_junit_clean_scan_is_one_passing_case_and_errors_are_error_cases(tmp_path):
    clean = Report((), (), ScanStats(3, 10, 0.5, 0))
    path = tmp_path / "clean.xml"
    path.write_text(render(clean, "junit"))
    cases = [case for suite in JUnitXml.fromfile(str(path)) for case in suite]
    assert len(cases) == 1 and cases[0].is_passed
    broken = Report((), (ScanError("bad\x01name.txt", "cannot read"),), ScanStats(1, 0, 0.1, 1))
    path.write_text(render(broken, "junit"))  # a control character in a path is escaped, the XML stays valid
    (case,) = [case for suite in JUnitXml.fromfile(str(path)) for case in suite]
    (result,) = case.result
    assert isinstance(result, Error) and result.message == "cannot read"
    assert "bad\\x01name.txt" in case.classname


def test_gitlab_report_validates_against_gitlabs_schema(report):
    doc = json.loads(render(report, "gitlab"))
    jsonschema.validate(doc, json.loads(GITLAB_SCHEMA.read_text()))
    assert doc["scan"]["type"] == "secret_detection"
    vulns = doc["vulnerabilities"]
    assert len(vulns) == len(report.findings) == len({v["id"] for v in vulns})
    assert {(v["location"]["file"], v["location"]["start_line"]) for v in vulns} == {
        (f.location.path, f.location.line) for f in report.findings}
    # The id is derived from the fingerprint: the same finding keeps it across pipelines.
    assert [v["id"] for v in json.loads(render(report, "gitlab"))["vulnerabilities"]] == [v["id"] for v in vulns]


def test_gitlab_report_with_errors_and_history_commits_validates(report):
    from dataclasses import replace

    commits = tuple(replace(f, location=replace(f.location, commit="a" * 40)) for f in report.findings)
    doc = json.loads(render(Report(commits, (ScanError("x.bin", "unreadable"),), report.stats), "gitlab"))
    jsonschema.validate(doc, json.loads(GITLAB_SCHEMA.read_text()))
    assert {v["location"]["commit"]["sha"] for v in doc["vulnerabilities"]} == {"a" * 40}
    assert doc["scan"]["messages"][0]["level"] == "warn"


@pytest.mark.parametrize("fmt", ["junit", "gitlab"])
def test_scan_command_writes_the_format(planted, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(cli, ["scan", str(planted[0]), "--format", fmt, "-o", str(out), "--no-progress",
                                      "-j", "1"])
    assert result.exit_code == 1, result.output
    text = out.read_text()
    assert ("<testsuites" in text) if fmt == "junit" else ("vulnerabilities" in json.loads(text))


def test_repos_reports_name_the_repository_in_junit_and_sarif(report, tmp_path):
    """In a `leakscan repos` report the same path can be in two repositories: JUnit suites and SARIF
    results say which."""
    from dataclasses import replace

    first, second = report.findings[0], report.findings[0]
    both = replace(report, findings=(
        replace(first, location=replace(first.location, repository="github.com/acme/shop")),
        replace(second, location=replace(second.location, repository="github.com/acme/billing"))))
    path = tmp_path / "repos.xml"
    path.write_text(render(both, "junit"))
    suites = sorted(suite.name for suite in JUnitXml.fromfile(str(path)))
    assert suites == [f"github.com/acme/billing:{first.location.path}", f"github.com/acme/shop:{first.location.path}"]
    results = json.loads(render(both, "sarif"))["runs"][0]["results"]
    assert sorted(r["properties"]["repository"] for r in results) == ["github.com/acme/billing", "github.com/acme/shop"]


def test_gitlab_details_name_the_repository_and_the_paired_lines(report):
    """GitLab's location holds one project's file: a `leakscan repos` finding says its repository, and a
    password its user name's line, in the schema's free `details`."""
    from dataclasses import replace

    first = report.findings[0]
    located = replace(first, location=replace(first.location, repository="github.com/acme/shop"), related_lines=(3,))
    doc = json.loads(render(replace(report, findings=(located,)), "gitlab"))
    jsonschema.validate(doc, json.loads(GITLAB_SCHEMA.read_text()))
    details = doc["vulnerabilities"][0]["details"]
    assert details["repository"]["value"] == "github.com/acme/shop"
    assert details["related"]["items"] == [{"type": "text", "value": f"{first.location.path}:3"}]
    plain = json.loads(render(report, "gitlab"))["vulnerabilities"][0]["details"]
    assert "repository" not in plain and "related" not in plain
