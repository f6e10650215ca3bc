"""Golden reports: a fixed tree scanned, timings zeroed, compared byte for byte."""
from __future__ import annotations

import io
import json
import os

import jsonschema
import pytest

from leakscan.model import Report, ScanStats
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters import REPORTERS, ReportOptions

from ..conftest import FIXTURES, GOLDEN, fake_aws_secret_key, fake_github_token, fake_password, fake_user_name

# The public OASIS SARIF 2.1.0 schema, vendored so a fresh clone can run the tests.
SCHEMA = FIXTURES / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def report(tmp_path_factory, engine) -> Report:
    root = tmp_path_factory.mktemp("golden")
    (root / "config").mkdir()
    (root / "config" / "settings.py").write_text(
        f"GITHUB_TOKEN = '{fake_github_token(21)}'\nAWS_SECRET_ACCESS_KEY = '{fake_aws_secret_key(21)}'\n")
    (root / "deploy.sh").write_text(f"export GH={fake_github_token(22)}\n")
    # A password beside its user name: the finding lists the user name's line (`related`).
    (root / "config" / "db.env").write_text(f"DB_USERNAME={fake_user_name(23)}\nDB_PASSWORD={fake_password(23)}\n")
    scanned = scan_paths([str(root)], engine)
    return Report(scanned.findings, scanned.errors, ScanStats(scanned.stats.files, scanned.stats.bytes, 0.0, 0))


def render(report: Report, fmt: str, **options) -> str:
    out = io.StringIO()
    REPORTERS[fmt](report, out, ReportOptions(**options))
    return out.getvalue()


@pytest.mark.parametrize("fmt, name", [("text", "report.txt"), ("json", "report.json"), ("sarif", "report.sarif")])
def test_golden(report, fmt, name):
    rendered = render(report, fmt)
    golden = GOLDEN / name
    if os.environ.get("LEAKSCAN_UPDATE_GOLDEN"):
        golden.write_text(rendered)
    assert rendered == golden.read_text()


def test_goldens_hold_no_plaintext(report):
    for finding in report.findings:
        for name in ("report.txt", "report.json", "report.sarif"):
            assert finding.secret not in (GOLDEN / name).read_text()


def test_sarif_is_valid_2_1_0(report):
    doc = json.loads(render(report, "sarif"))
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    run = doc["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert sorted(ids) == sorted({f.rule_id for f in report.findings}) and len(ids) == len(set(ids))
    assert all(r["partialFingerprints"]["leakscan/v1"].startswith("sha256:") for r in run["results"])


def test_text_colour_only_when_asked(report):
    assert "\x1b[" not in render(report, "text")
    assert "\x1b[" in render(report, "text", color=True)


def test_reports_name_the_rules_that_made_them(tmp_path):
    """tool.rules_hash in JSON (and the HTML metadata): the same rules give the same digest, a
    disabled rule another one."""
    from click.testing import CliRunner

    from leakscan.cli import cli

    (tmp_path / "a.py").write_text("x = 1\n")

    def rules_hash(*extra: str) -> str:
        out = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json", "--no-progress", *extra]).output
        return json.loads(out)["tool"]["rules_hash"]

    first = rules_hash()
    assert len(first) == 16 and first == rules_hash()
    assert rules_hash("--disable", "github.pat.classic") != first
    html = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "html", "--no-progress"]).output
    assert first in html
