"""`leakscan mask`: every fixture capture masked, re-scanned clean, still parseable."""
from __future__ import annotations

import base64
import json
import random
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.cli.mask import mask_text
from leakscan.masking.rewrite import TRACE_REPLACEMENT

from .capture_labels import CAPTURES, copy_fixtures
from .conftest import fake_github_token

FIXTURES = ["shop-session.har", "clean.har", "api-errors.http", "curl-verbose.txt", "customers.json", "app.jsonl",
            "error-pages.http"]
CAPTURE_SUFFIXES = (".har", ".http", ".txt", ".json", ".jsonl")
# Every capture in the fixtures, whoever added it (labels files describe captures, they are none).
ALL_CAPTURES = sorted(p.name for p in CAPTURES.iterdir()
                      if p.is_file() and p.name.endswith(CAPTURE_SUFFIXES) and not p.name.startswith("labels"))


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
        methods = [[e["request"]["method"] for e in doc["log"]["entries"]] for doc in (after, before)]
        assert methods[0] == methods[1]
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
    # 21: the card's copy in the JS bundle is masked too (issue 13: a Luhn-valid card counts anywhere);
    # 22: the SQLite error inside the Django debug page is a disclosure of its own (issue 13.5)
    assert "masked 22 value(s)" in result.output and "re-scan of" in result.output and "clean" in result.output
    assert "  pii         12" in result.output
    assert json.loads(out.read_text())["log"]["entries"]
    again = CliRunner().invoke(cli, ["scan", str(out), "--no-progress", "--format", "json"])
    # What a copy cannot change is how the traffic was sent (a Set-Cookie without SameSite): such
    # exposure checks hold no value to mask; every value-bearing finding must be gone.
    left = [f for f in json.loads(again.output)["findings"] if f["category"] != "exposure" or "header" in f["rule_id"]]
    assert left == [], left


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


# ---- every capture, every string, every format (issues 13.7 and 19.2) ------------------------

def test_the_fixture_list_names_every_capture():
    assert set(FIXTURES) <= set(ALL_CAPTURES) and len(ALL_CAPTURES) >= len(FIXTURES)


@pytest.mark.parametrize("name", ALL_CAPTURES)
def test_every_capture_fixture_masks_clean_and_stays_parseable(name, tmp_path, engine):
    root = copy_fixtures(tmp_path)
    original = (root / name).read_text(encoding="utf-8")
    result = mask_text(original, str(root / name), engine)
    assert result.remaining == (), [(f.rule_id, f.location.pointer) for f in result.remaining]
    _parse(name, result.text)  # still valid HAR / JSON / JSON lines
    for finding in result.findings:
        assert len(finding.secret) < 6 or finding.secret not in result.text, finding.rule_id


def _har(entries: list[dict], **log: object) -> dict:
    return {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, **log, "entries": entries}}


def _entry(url: str, body: object = None, **fields: object) -> dict:
    return {"startedDateTime": "2026-01-01T00:00:00Z", "time": 1, **fields,
            "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": [], "queryString": [],
                        "cookies": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                         "content": {"size": 0, "mimeType": "application/json",
                                     "text": json.dumps(body) if body is not None else ""},
                         "redirectURL": "", "headersSize": -1, "bodySize": 0},
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}


def test_every_string_of_a_har_is_read_and_masked_keys_included(tmp_path, engine):
    tokens = [fake_github_token(300 + i) for i in range(7)]
    entry = _entry("https://api.example.com/v1/me", {"sessions": {tokens[4]: {"user": "bob"}}},
                   comment=f"replayed with {tokens[2]}", _initiator={"note": f"by {tokens[3]}"})
    entry["request"]["_debug"] = f"auth {tokens[6]}"
    har = _har([entry], comment="exported", _custom={"k": tokens[5]},
               pages=[{"id": "p1", "title": f"dash {tokens[1]}", "startedDateTime": "2026-01-01T00:00:00Z",
                       "pageTimings": {}}])
    har["log"]["creator"]["comment"] = f"token {tokens[0]}"
    text = json.dumps(har, indent=2)
    scanned = {f.raw_pointer or f.location.pointer for f in mask_text(text, "s.har", engine).findings}
    assert {"/log/creator/comment", "/log/pages/0/title", "/log/entries/0/comment", "/log/entries/0/_initiator/note",
            "/log/_custom/k", "/log/entries/0/request/_debug"} <= scanned
    result = mask_text(text, "s.har", engine)
    assert result.remaining == ()
    copy = json.loads(result.text)
    assert not [t for t in tokens if t[4:] in result.text]
    sessions = json.loads(copy["log"]["entries"][0]["response"]["content"]["text"])["sessions"]
    assert list(sessions.values()) == [{"user": "bob"}] and next(iter(sessions)).startswith("ghp_*")


def test_two_token_keys_that_mask_alike_both_stay_and_values_under_token_keys_are_kept(engine):
    one, two, three = fake_github_token(310), fake_github_token(311), fake_github_token(312)
    text = json.dumps({"sessions": {one: {"n": 1}, two: {"n": 2}}, "owners": {three: "bob"}})
    copy = json.loads(mask_text(text, "s.json", engine).text)
    assert sorted(v["n"] for v in copy["sessions"].values()) == [1, 2] and one[4:] not in json.dumps(copy)
    assert list(copy["owners"].values()) == ["bob"] and three[4:] not in json.dumps(copy)
    lines = mask_text(json.dumps({"owners": {three: "bob"}}) + "\n", "app.jsonl", engine).text
    assert three[4:] not in lines and list(json.loads(lines)["owners"].values()) == ["bob"]


def test_secret_named_values_below_the_threshold_are_masked_templates_kept(engine):
    text = json.dumps({"users": [{"name": "ann", "password": "qwerty"}, {"name": "bob", "password": "${DB_PASSWORD}"}]})
    reported = mask_text(text, "u.json", engine)
    assert not [f for f in reported.findings if f.secret == "qwerty"], "the case needs a value under the threshold"
    users = json.loads(reported.text)["users"]
    assert users[0]["password"] != "qwerty" and "qwerty" not in reported.text
    assert users[1]["password"] == "${DB_PASSWORD}"


def _sas_signature(seed: int) -> str:
    rng = random.Random(seed)
    return base64.b64encode(bytes(rng.randrange(256) for _ in range(32))).decode()


def _sas_url(sig: str) -> str:
    return ("https://acme.blob.core.windows.net/reports/q3.pdf?sv=2022-11-02&ss=b&srt=o&sp=r"
            f"&se=2026-12-31T00:00:00Z&st=2026-01-01T00:00:00Z&spr=https&sig={quote(sig, safe='')}")


def _sas_captures(sig: str) -> dict[str, str]:
    url = _sas_url(sig)
    entry = _entry(url, {"download": url})
    entry["request"]["queryString"] = [{"name": "sig", "value": sig}]
    path = url.split(".net", 1)[1]
    return {
        "capture.har": json.dumps(_har([entry]), indent=2),
        "dump.http": f"GET {path} HTTP/1.1\r\nHost: acme.blob.core.windows.net\r\n\r\n",
        "body.json": json.dumps({"items": [{"url": url}]}),
        "app.jsonl": json.dumps({"msg": "fetch", "url": url}) + "\n",
    }


@pytest.mark.parametrize("name", ["capture.har", "dump.http", "body.json", "app.jsonl"])
def test_azure_sas_signatures_are_masked_in_every_capture_format(name, engine):
    sig = _sas_signature(7)
    text = _sas_captures(sig)[name]
    result = mask_text(text, name, engine)
    assert any(f.rule_id.startswith("azure.sas") for f in result.findings)
    assert result.remaining == ()
    for form in (sig, quote(sig, safe=""), sig.replace("+", " ")):
        assert form[:16] not in result.text
    _parse(name, result.text)
