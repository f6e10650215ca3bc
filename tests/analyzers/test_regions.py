"""National-format phone numbers are checked in the region the capture suggests: a country field, Accept-Language, the
host's country domain. Numbers are made up in each country's numbering plan (phonenumbers validates them)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from leakscan.analyzers.regions import (
    accept_language_region,
    field_region,
    host_region,
    message_regions,
    phone_match,
)
from leakscan.cli import cli
from leakscan.engine import pii_checks
from leakscan.engine.pii_checks import RegionHint
from leakscan.model import Adjustment, Rule
from leakscan.scoring import VALIDATOR_FAIL

from .traffic.har_builder import entry, write_har

POLISH_MOBILE = "512 384 927"  # valid in Poland; also valid in some of the usual regions (Germany, Spain...)
DANISH = "34 86 41 35"  # valid in Denmark only: no usual region takes it
GERMAN = "0151 23849271"
FRENCH = "04 93 28 71 64"
NOT_POLISH = "047 830 355"  # no Polish number starts with 0, and no usual region takes it either


def _scan(folder: Path) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["scan", str(folder), "--format", "json", "--no-progress"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    assert report["errors"] == []
    return [f for f in report["findings"] if f["category"] == "pii"]


def _phone_findings(folder: Path) -> list[dict[str, Any]]:
    return [f for f in _scan(folder) if "phone" in f["rule_id"]]


def _reasons(finding: dict[str, Any]) -> str:
    return " | ".join(finding["reasons"])


def _har_with_phone(folder: Path, number: str, headers: dict[str, str], url: str) -> None:
    profile = {"customer": {"name": "Ola Nowak", "mobile": number}}
    write_har(folder, [entry("POST", url, headers=headers, post=profile, body={"ok": True})])


# ---- the hints ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "region"), [
    ("pl-PL,pl;q=0.9,en-US;q=0.8", "PL"), ("de,fr-FR;q=0.9,en-GB;q=0.5", "FR"), ("en-gb", "GB"),
    ("sr-Latn-RS,sr;q=0.9", "RS"), ("pt_BR", "BR")])
def test_accept_language_gives_the_most_preferred_region(header: str, region: str) -> None:
    assert accept_language_region(header) == RegionHint(region, "the Accept-Language header")


@pytest.mark.parametrize("header", ["pl", "en,de;q=0.8", "*", "", "en-XX"])
def test_accept_language_without_a_region_gives_none(header: str) -> None:
    assert accept_language_region(header) is None


@pytest.mark.parametrize(("host", "region"), [
    ("https://api.shop.pl/v1/profile", "PL"), ("shop.example.fr", "FR"), ("www.shop.co.uk:443", "GB"),
    ("https://sklep.example.de./x", "DE")])
def test_a_country_domain_gives_its_country(host: str, region: str) -> None:
    hint = host_region(host)
    assert hint is not None and hint.region == region and hint.source.startswith("the host's country domain")


@pytest.mark.parametrize("host", [
    "https://api.shop.com/v1", "shop.example.org", "api.example.net", "shop.example.app", "api.startup.io",
    "cdn.example.co", "model.example.ai", "link.example.me", "stream.example.tv", "10.1.2.3", "localhost"])
def test_generic_and_vanity_domains_give_no_region(host: str) -> None:
    assert host_region(host) is None


@pytest.mark.parametrize(("key", "value", "region"), [
    ("country", "PL", "PL"), ("countryCode", "de", "DE"), ("country_code", "FR", "FR"), ("nationality", "DK", "DK"),
    ("locale", "pl-PL", "PL"), ("locale", "pl_PL.UTF-8", "PL"), ("region", "UK", "GB"), ("country", "en_IE", "IE")])
def test_country_and_locale_fields(key: str, value: str, region: str) -> None:
    hint = field_region(key, value)
    assert hint is not None and hint.region == region


@pytest.mark.parametrize(("key", "value"), [
    ("locale", "pl"), ("region", "us-east-1"), ("country", "Poland"), ("country", "XX"), ("status", "PL"),
    ("country", "48")])
def test_fields_that_name_no_country(key: str, value: str) -> None:
    assert field_region(key, value) is None


def test_a_request_suggests_its_language_region_before_its_host() -> None:
    hints = message_regions([("Accept-Language", "pl-PL"), ("Host", "shop.example.fr")], "/v1/profile")
    assert [h.region for h in hints] == ["PL", "FR"]


def test_a_hint_only_adds_a_region_to_try() -> None:
    hint = RegionHint("DK", "the country field")
    assert pii_checks.phone_verdict(DANISH).valid is False
    verdict = pii_checks.phone_verdict(DANISH, (hint,))
    assert verdict.valid and verdict.reason == "valid number in Denmark (region from the country field)"
    # a number valid in a usual region stays valid when the hinted region does not take it
    assert pii_checks.phone_verdict("030 90182034", (hint,)).valid
    assert pii_checks.phone_verdict("+81 3-3201-4785", (hint,)).valid  # international format: its own country


# ---- whole captures -----------------------------------------------------------------------------------------

def test_har_polish_number_with_accept_language_is_read_as_polish(tmp_path: Path) -> None:
    _har_with_phone(tmp_path / "hinted", POLISH_MOBILE, {"Accept-Language": "pl-PL,pl;q=0.9"},
                    "https://api.shop.example.com/v1/profile")
    [finding] = _phone_findings(tmp_path / "hinted")
    assert "valid number in Poland (region from the Accept-Language header)" in finding["reasons"]


def test_har_polish_number_without_a_hint_counts_only_as_another_regions_number(tmp_path: Path) -> None:
    # Today's behaviour without a hint: the usual regions include one that takes these digits (Germany, Spain...),
    # so the number is found, but nothing says Polish.
    _har_with_phone(tmp_path / "plain", POLISH_MOBILE, {"Accept-Language": "en"},
                    "https://api.shop.example.com/v1/profile")
    [finding] = _phone_findings(tmp_path / "plain")
    assert "Poland" not in _reasons(finding)


def test_har_number_only_its_hinted_region_takes_is_found_with_the_hint_only(tmp_path: Path) -> None:
    _har_with_phone(tmp_path / "hinted", DANISH, {"Accept-Language": "da-DK,da;q=0.9"},
                    "https://api.shop.example.com/v1/profile")
    _har_with_phone(tmp_path / "plain", DANISH, {"Accept-Language": "da"}, "https://api.shop.example.com/v1/profile")
    assert [f["rule_id"] for f in _phone_findings(tmp_path / "hinted")] == ["field.phone"]
    assert _phone_findings(tmp_path / "plain") == []


def test_json_body_country_field_gives_the_region(tmp_path: Path) -> None:
    (tmp_path / "customer.json").write_text(json.dumps(
        {"customers": [{"name": "Jonas Weber", "country": "DE", "phone": GERMAN},
                       {"name": "Mette Holm", "address": {"city": "Aarhus", "country": "DK"}, "phone": DANISH}]}))
    reasons = sorted(_reasons(f) for f in _phone_findings(tmp_path))
    assert len(reasons) == 2
    assert "valid number in Denmark (region from the country field)" in reasons[0]  # the address's country
    assert "valid number in Germany (region from the country field)" in reasons[1]


def test_http_dump_host_country_domain_gives_the_region(tmp_path: Path) -> None:
    body = json.dumps({"client": {"nom": "Camille Martin", "telephone": FRENCH}})
    (tmp_path / "profile.http").write_text(
        f"POST /api/profil HTTP/1.1\nHost: boutique.example.fr\nContent-Type: application/json\n\n{body}\n")
    [finding] = _phone_findings(tmp_path)
    assert "valid number in France (region from the host's country domain .fr)" in finding["reasons"]


def test_a_generic_domain_gives_no_region(tmp_path: Path) -> None:
    body = json.dumps({"client": {"telephone": DANISH}})
    (tmp_path / "profile.http").write_text(
        f"POST /api/profile HTTP/1.1\nHost: shop.example.com\nContent-Type: application/json\n\n{body}\n")
    assert _phone_findings(tmp_path) == []


def test_a_number_invalid_in_the_hinted_region_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "customer.json").write_text(json.dumps({"customer": {"country": "PL", "phone": NOT_POLISH}}))
    (tmp_path / "profile.http").write_text(
        "POST /api/profile HTTP/1.1\nHost: sklep.example.pl\nAccept-Language: pl-PL\n"
        f"Content-Type: application/json\n\n{json.dumps({'phone': NOT_POLISH})}\n")
    assert _phone_findings(tmp_path) == []


def test_a_foreign_number_in_international_format_beside_a_country_field(tmp_path: Path) -> None:
    (tmp_path / "customer.json").write_text(json.dumps({"customer": {"country": "PL", "phone": "+81 3-3201-4785"}}))
    [finding] = _phone_findings(tmp_path)
    assert "Poland" not in _reasons(finding)


# ---- numbers the phone patterns find (free text as well as under keys) -------------------------------------------

@pytest.fixture(scope="module")
def phone_rules(engine) -> dict[str, Rule]:
    return {name: engine.by_id[f"pii.phone.{name}"] for name in ("national", "e164")}


def test_a_match_only_the_hinted_region_takes_is_checked_with_the_hint(phone_rules) -> None:
    rule = phone_rules["national"]
    assert pii_checks.phone_number(DANISH) is False  # the rule's own check: usual regions only
    checked, reasons = phone_match(rule, DANISH, (RegionHint("DK", "the country field"),))
    assert checked.validator is None and checked.id == rule.id  # the capture's check decided instead
    assert reasons == [Adjustment("valid number in Denmark (region from the country field)", 0.0)]


def test_a_match_no_region_takes_fails_naming_the_hinted_one(phone_rules) -> None:
    checked, reasons = phone_match(phone_rules["national"], NOT_POLISH, (RegionHint("PL", "the country field"),))
    assert checked.validator is None
    assert reasons == [Adjustment("not a valid phone number in Poland (region from the country field) nor in the "
                                  "usual regions", VALIDATOR_FAIL)]


def test_an_international_match_keeps_its_own_check_and_names_its_country(phone_rules) -> None:
    rule = phone_rules["e164"]
    assert phone_match(rule, "+81 3-3201-4785", (RegionHint("DK", "the country field"),)) == (
        rule, [Adjustment("valid number in Japan (international format)", 0.0)])
    assert phone_match(rule, "+999 381 2947", (RegionHint("DK", "the country field"),)) == (rule, [])


def test_a_match_without_hints_names_the_usual_region_it_is_valid_in(phone_rules) -> None:
    rule = phone_rules["national"]
    assert phone_match(rule, "(212) 736-5000", ()) == (
        rule, [Adjustment("valid number in United States (one of the usual regions)", 0.0)])


def _all_phone_findings(folder: Path) -> dict[str, dict[str, Any]]:
    args = ["scan", str(folder), "--format", "json", "--no-progress", "--min-confidence", "0"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 1), result.output
    return {f["location"]["path"]: f for f in json.loads(result.output)["findings"] if "phone" in f["rule_id"]}


def test_free_text_numbers_in_a_capture_say_their_region(tmp_path: Path) -> None:
    def note(doc: dict[str, Any]) -> str:
        return f"HTTP/1.1 200 OK\nContent-Type: application/json\n\n{json.dumps(doc)}\n"

    files = {
        "austrian.http": note({"country": "AT", "note": "please call 0664 381 2947 after six"}),
        "international.http": note({"note": "please call +43 664 381 2947 after six"}),
        "not-polish.http": note({"country": "PL", "note": f"please call {NOT_POLISH} today"}),
        "no-country-code.http": note({"country": "PL", "note": "please call +999 381 2947 today"}),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    found = _all_phone_findings(tmp_path)
    assert "valid number in Austria (region from the country field)" in found["austrian.http"]["reasons"]
    international = found["international.http"]
    assert "valid number in Austria (international format)" in international["reasons"]
    assert international["confidence"] >= 0.5  # any country code phonenumbers knows: reported
    assert any(r.startswith("not a valid phone number in Poland (region from the country field) nor in the usual "
                            "regions") for r in found["not-polish.http"]["reasons"]), found["not-polish.http"]
    assert any(r.startswith("not a valid phone number for its country code")
               for r in found["no-country-code.http"]["reasons"]), found["no-country-code.http"]
    assert all(found[name]["confidence"] < 0.5 for name in ("not-polish.http", "no-country-code.http"))
