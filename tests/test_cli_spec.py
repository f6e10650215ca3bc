"""`leakscan spec` and spec recognition in `leakscan scan`."""
from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from leakscan.cli import cli

from .conftest import FIXTURES, fake_github_token

SPECS = FIXTURES / "specs"


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def copy(tmp_path, *names):
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SPECS / name, tmp_path / name)
    return tmp_path


def test_spec_reports_pointer_and_line_and_exits_1(tmp_path):
    root = copy(tmp_path, "v20/legacy.yaml", "v31/store.json")
    result = run("spec", str(root), "--format", "json", "--no-progress", "--jobs", "1")
    assert result.exit_code == 1
    report = json.loads(result.output)
    found = {(f["location"]["path"], f["rule_id"], f["location"]["pointer"], f["location"]["line"])
             for f in report["findings"]}
    assert ("v20/legacy.yaml", "openapi.response.cvv", "/definitions/Card/properties/cvv2", 33) in found
    assert ("v31/store.json", "openapi.endpoint.debug", "/paths/~1_profiler~1{token}", 103) in found
    assert report["stats"]["files"] == 2 and report["errors"] == []
    assert fake_github_token(402) not in result.output


def test_spec_forces_any_file_and_says_when_it_is_no_spec(tmp_path):
    odd = tmp_path / "contract.data"
    odd.write_text("swagger: '2.0'\nsecurityDefinitions:\n  k: {type: apiKey, in: query, name: key}\npaths: {}\n")
    other = tmp_path / "settings.yaml"
    other.write_text("database:\n  host: db.internal\n")
    result = run("spec", str(odd), str(other), "--format", "json", "--no-progress")
    report = json.loads(result.output)
    assert [f["rule_id"] for f in report["findings"]] == ["openapi.apikey-in-query"]
    (error,) = report["errors"]
    assert error["path"].endswith("settings.yaml") and error["message"] == "not an OpenAPI or Swagger document"


def test_spec_on_a_directory_takes_its_json_and_yaml_files(tmp_path):
    root = copy(tmp_path, "v30/shop.yaml")
    (tmp_path / "v30" / "notes.txt").write_text("openapi: 3.0.0 is what we use\n")
    result = run("spec", str(root), "--format", "json", "--no-progress")
    report = json.loads(result.output)
    assert report["stats"]["files"] == 1
    assert {f["location"]["path"] for f in report["findings"]} == {"v30/shop.yaml"}


def test_broken_specs_are_errors_and_the_rest_is_reported(tmp_path):
    root = copy(tmp_path, "broken/alias-bomb.yaml", "broken/ref-cycle.yaml", "broken/truncated.json", "v30/orders.json")
    result = run("spec", str(root), "--format", "json", "--no-progress")
    report = json.loads(result.output)
    errors = {e["path"]: e["message"] for e in report["errors"]}
    assert set(errors) == {"broken/alias-bomb.yaml", "broken/ref-cycle.yaml", "broken/truncated.json"}
    assert errors["broken/ref-cycle.yaml"].startswith("$ref cycle:")
    assert "invalid JSON at line" in errors["broken/truncated.json"]
    assert any(f["location"]["path"] == "v30/orders.json" for f in report["findings"])
    assert report["stats"]["errors"] == 3


def test_scan_recognises_specs_by_content_and_text_shows_pointers(tmp_path):
    root = copy(tmp_path, "oddly-named/payments.contract")
    result = run("scan", str(root), "--no-progress", "-v")
    assert result.exit_code == 1
    # line:column in its column; the pointer, of any length, on a line of its own below
    assert "\n  7:5        medium" in result.output
    assert "\n             at /components/securitySchemes/merchant_key\n" in result.output
    assert "openapi.apikey-in-query" in result.output
    assert "apiKey scheme 'merchant_key' sends 'merchant_key' in the query string" in result.output


def test_split_specs_report_findings_in_the_referenced_file(tmp_path):
    root = copy(tmp_path, "split/api.yaml", "split/schemas/person.yaml", "split/schemas/address.yaml")
    report = json.loads(run("scan", str(root), "--format", "json", "--no-progress").output)
    assert [(f["location"]["path"], f["location"]["pointer"], f["location"]["line"]) for f in report["findings"]] == [
        ("split/schemas/person.yaml", "/Person/properties/ssn", 5)]
    assert report["errors"] == []
