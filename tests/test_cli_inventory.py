"""`leakscan inventory` and the inventory in `leakscan scan` reports of captures (issue 16.2)."""
from __future__ import annotations

import csv
import io
import json

import yaml
from click.testing import CliRunner

from leakscan.cli import cli

from .analyzers.traffic.har_builder import API, PERSON, TOKEN, TRACKER, entry, page_entry, write_har
from .analyzers.traffic.test_inventory import SPEC


def _capture(tmp_path):
    return write_har(tmp_path / "captures", [
        page_entry(),
        entry("GET", f"{API}/me", headers={"Authorization": f"Bearer {TOKEN}"}, body=PERSON),
        entry("GET", f"{API}/users/81722", body=PERSON),
        entry("GET", f"{TRACKER}/e", query={"email": PERSON["email"]}, mime="image/gif"),
    ])


def _run(*args):
    return CliRunner().invoke(cli, [*args, "--no-progress"])


def test_text_inventory_groups_by_host(tmp_path):
    result = _run("inventory", str(_capture(tmp_path)))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "api.shop.example" in lines
    me = next(line for line in lines if "/v1/me" in line)
    assert "GET" in me and "auth: bearer" in me and "data: email, phone" in me
    assert "/v1/users/{id}" in result.output and "auth: none" in result.output
    assert "4 endpoint(s) on 3 host(s)" in result.output
    assert TOKEN not in result.output and PERSON["email"] not in result.output


def test_json_and_csv(tmp_path):
    capture = _capture(tmp_path)
    data = json.loads(_run("inventory", str(capture), "--format", "json").output)
    rows = {(e["method"], e["host"], e["path_template"]): e for e in data["endpoints"]}
    assert rows["GET", "api.shop.example", "/v1/users/{id}"]["auth"] == ["none"]
    assert rows["GET", "api.shop.example", "/v1/me"]["data_classes"] == ["email", "phone"]
    assert {f["rule_id"] for f in data["findings"]} >= {"exposure.response.unauthenticated-data",
                                                        "exposure.third-party.sensitive-data"}
    table = list(csv.DictReader(io.StringIO(_run("inventory", str(capture), "--format", "csv").output)))
    assert {r["path_template"] for r in table} == {"/account", "/v1/me", "/v1/users/{id}", "/e"}
    assert next(r for r in table if r["path_template"] == "/v1/me")["statuses"] == "200"


def test_spec_marks_undocumented_endpoints(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    result = _run("inventory", str(_capture(tmp_path)), "--spec", str(spec))
    users = next(line for line in result.output.splitlines() if "/v1/users/{id}" in line)
    me = next(line for line in result.output.splitlines() if "/v1/me" in line)
    assert "UNDOCUMENTED" in users and "UNDOCUMENTED" not in me and "undeclared: email, phone" in me


def test_html_inventory_is_the_html_report(tmp_path):
    out = tmp_path / "inventory.html"
    result = _run("inventory", str(_capture(tmp_path)), "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "/v1/users/{id}" in page and TOKEN not in page and PERSON["email"] not in page


def test_scan_reports_carry_the_inventory_and_first_party(tmp_path):
    capture = _capture(tmp_path)
    data = json.loads(_run("scan", str(capture), "--format", "json").output)
    assert {e["path_template"] for e in data["endpoints"]} == {"/account", "/v1/me", "/v1/users/{id}", "/e"}
    assert "exposure.third-party.sensitive-data" in {f["rule_id"] for f in data["findings"]}
    # The tracker's site named as the first party: nothing goes to a third party.
    data = json.loads(_run("scan", str(capture), "--format", "json", "--first-party",
                           "metrics-vendor.example.org").output)
    assert "exposure.third-party.sensitive-data" not in {f["rule_id"] for f in data["findings"]}


def test_reports_of_plain_files_have_no_endpoints(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here\n", encoding="utf-8")
    assert "endpoints" not in json.loads(_run("scan", str(tmp_path / "notes.txt"), "--format", "json").output)


def test_inventory_refuses_stdin_and_bad_specs(tmp_path):
    assert _run("inventory", "-").exit_code == 2
    capture = _capture(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("just: text\n", encoding="utf-8")
    result = _run("inventory", str(capture), "--spec", str(bad))
    assert result.exit_code == 2 and "not an OpenAPI" in result.output


def test_a_token_in_a_url_path_never_reaches_the_inventory(tmp_path):
    from .conftest import fake_github_token

    token = fake_github_token(1617)
    capture = write_har(tmp_path / "c", [page_entry(), entry("POST", f"{API}/hooks/{token}/run", body={"ok": 1}),
                                         entry("GET", f"{API}/x{token[:10]}-{token[10:]}/items", body=[])])
    for fmt in ("text", "json", "csv"):
        output = _run("inventory", str(capture), "--format", fmt).output
        assert "/v1/hooks/{id}/run" in output
        assert token[-12:] not in output, fmt
