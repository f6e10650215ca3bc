"""`leakscan mask`: every fixture capture masked, re-scanned clean, still parseable."""
from __future__ import annotations

import base64
import json

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.cli.mask import mask_text
from leakscan.masking.rewrite import TRACE_REPLACEMENT

from .capture_labels import CAPTURES, copy_fixtures

FIXTURES = ["shop-session.har", "clean.har", "api-errors.http", "curl-verbose.txt", "customers.json", "app.jsonl", "error-pages.http"]


def _parse(name: str, text: str):
    if name.endswith(".har") or name.endswith(".json"):
        return json.loads(text)
    if name.endswith(".jsonl"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return text


@pytest.mark.parametrize("mode", ["mask", "redact", "hash"])
@pytest.mark.parametrize("name", FIXTURES)
def test_round_trip(name, mode, tmp_path, engine):
    root = copy_fixtures(tmp_path)
    original = (root / name).read_text(encoding="utf-8")
    result = mask_text(original, str(root / name), engine, mode)
    assert result.remaining == (), [(f.rule_id, f.location.pointer, f.masked) for f in result.remaining]
    before, after = _parse(name, original), _parse(name, result.text)
    if name.endswith(".har"):
        assert len(after["log"]["entries"]) == len(before["log"]["entries"])
        assert [e["request"]["method"] for e in after["log"]["entries"]] == [e["request"]["method"] for e in before["log"]["entries"]]
    if name.endswith(".jsonl"):
        assert len(after) == len(before)
    for finding in result.findings:  # no plaintext survives in the copy (a CVV "381" may well be part of an id)
        assert len(finding.secret) < 6 or finding.secret not in result.text, finding.rule_id
    if name != "clean.har":
        assert result.findings and result.plan.places >= len(result.findings)
    else:
        assert result.text == original


def test_masks_are_the_industry_masks(tmp_path, engine):
    root = copy_fixtures(tmp_path)
    out = json.loads(mask_text((root / "shop-session.har").read_text(), "shop-session.har", engine).text)
    entries = out["log"]["entries"]
    me = json.loads(entries[0]["response"]["content"]["text"])
    assert me["email"] == "d***@corpmail.net" and me["ssn"] == "***-**-6789"
    checkout = json.loads(entries[2]["request"]["postData"]["text"])
    assert checkout["card_number"] == "**** **** **** 8790" and checkout["cvv"] == "[REDACTED]"
    assert json.loads(entries[4]["response"]["content"]["text"])["trace"] == TRACE_REPLACEMENT
    kyc = json.loads(base64.b64decode(entries[7]["response"]["content"]["text"]))
    assert kyc["applicant"]["ssn"] == "***-**-1845"
    assert entries[0]["response"]["headers"][0]["value"] == "nginx/*.**.* (Ubuntu)"
    assert "access_token=SP" in entries[1]["request"]["url"] and entries[1]["request"]["url"].endswith("&page=2")


def test_hash_mode_is_consistent_within_a_copy(tmp_path, engine):
    root = copy_fixtures(tmp_path)
    out = json.loads(mask_text((root / "shop-session.har").read_text(), "shop-session.har", engine, "hash").text)
    entry = out["log"]["entries"][0]["request"]
    header_value = entry["headers"][2]["value"].split("sessionid=")[1]
    assert header_value.startswith("[REDACTED:sha256:") and header_value == entry["cookies"][1]["value"]


def test_cli_writes_copy_and_prints_summary(tmp_path):
    root = copy_fixtures(tmp_path)
    out = tmp_path / "safe.har"
    result = CliRunner().invoke(cli, ["mask", str(root / "shop-session.har"), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "masked 20 value(s)" in result.output and "re-scan of" in result.output and "clean" in result.output
    assert "  pii         12" in result.output
    assert json.loads(out.read_text())["log"]["entries"]
    again = CliRunner().invoke(cli, ["scan", str(out), "--no-progress"])
    assert again.exit_code == 0, again.output


def test_cli_refuses_to_overwrite_its_input(tmp_path):
    root = copy_fixtures(tmp_path)
    target = str(root / "customers.json")
    result = CliRunner().invoke(cli, ["mask", target, "-o", target])
    assert result.exit_code == 2 and "must not be the input" in result.output


def test_truncated_har_is_masked_as_text(tmp_path, engine):
    text = (CAPTURES / "shop-session.har").read_text()
    cut = text[: len(text) * 2 // 3]
    result = mask_text(cut, "cut.har", engine)
    assert result.kind == "text" and result.remaining == ()
    assert "dana.whitfield@corpmail.net" not in result.text
