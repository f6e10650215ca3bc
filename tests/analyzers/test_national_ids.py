"""Every national-id key in the vocabulary, with a well-formed value, scanned against the installed python-stdnum."""
from __future__ import annotations

import importlib
import itertools
import json
import re
import string

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.engine import pii_checks

DIGITS, UPPER = string.digits, string.ascii_uppercase

# A value for each scheme without its check characters (written from each scheme's documented
# layout: date, region, serial...); the test completes it with python-stdnum's own validator.
STEMS: dict[str, tuple[str, str, int]] = {
    "ca.sin": ("27149863", DIGITS, 1), "gb.nhs": ("943476591", DIGITS, 1), "au.tfn": ("12345678", DIGITS, 1),
    "fi.hetu": ("131052-308", DIGITS + UPPER, 1), "tr.tckimlik": ("104295378", DIGITS, 2),
    "kr.rrn": ("971013-985402", DIGITS, 1), "de.idnr": ("3695408512", DIGITS, 1),
    "za.idnr": ("790815500908", DIGITS, 1),
    "br.cpf": ("390533447", DIGITS, 2), "mx.curp": ("BOXW310820HNERXN0", DIGITS + UPPER, 1),
    "in_.aadhaar": ("23412341234", DIGITS, 1), "pl.pesel": ("4405140135", DIGITS, 1), "nl.bsn": ("11122233", DIGITS, 1),
    "es.dni": ("54362315", UPPER, 1), "es.nif": ("54362315", UPPER, 1), "es.nie": ("X2482300", UPPER, 1),
    "it.codicefiscale": ("RCCMNL83S18D969", UPPER, 1), "se.personnummer": ("880320-087", DIGITS, 1),
    "dk.cpr": ("211062-555", DIGITS, 1), "no.fodselsnummer": ("151086953", DIGITS, 2),
    "fr.nir": ("2950275120345", DIGITS, 2), "ie.pps": ("6433435", UPPER, 1), "ro.cnp": ("163061512345", DIGITS, 1),
    "bg.egn": ("752316926", DIGITS, 1), "hr.oib": ("3377659016", DIGITS, 1), "cl.rut": ("76086428-", DIGITS + "K", 1),
    "nz.ird": ("4909185", DIGITS, 1), "cn.ric": ("36042619910101007", DIGITS + "X", 1),
    "us.itin": ("912-71-123", DIGITS, 1),
}
# Schemes python-stdnum has no module for: a value in the documented format.
FORMATTED = {"UK National Insurance number": "JG 10 37 59 A"}


def _well_formed(scheme: pii_checks.NationalIdScheme) -> str:
    if scheme.stdnum_module is None:
        return FORMATTED[scheme.label]
    stem, alphabet, count = STEMS[scheme.stdnum_module]
    try:
        validate = importlib.import_module(f"stdnum.{scheme.stdnum_module}").is_valid
    except ImportError:
        return stem + alphabet[0] * count  # the installed python-stdnum lacks it: the key name must still count
    candidates = (stem + "".join(tail) for tail in itertools.product(alphabet, repeat=count))
    return next(value for value in candidates if validate(value))


def _scan(tmp_path, docs: dict[str, dict]) -> dict:
    for name, doc in docs.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json", "--no-progress"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def test_every_national_id_key_is_found_without_errors(tmp_path):
    schemes = pii_checks.values().national_ids
    report = _scan(tmp_path, {key: {"person": {key: _well_formed(scheme)}} for key, scheme in schemes.items()})
    assert report["errors"] == []
    found = {f["location"]["path"].rsplit("/", 1)[-1].removesuffix(".json")
             for f in report["findings"] if f["category"] == "pii"}
    assert found == set(schemes)


@pytest.mark.parametrize("key", ["nino", "NINO", "national_insurance_number", "tckn"])
def test_schemes_python_stdnum_lacks_do_not_crash(tmp_path, key):
    value = "10429537810" if key == "tckn" else "JG103759A"
    report = _scan(tmp_path, {"people": {"person": {key: value}}})
    assert report["errors"] == []
    assert [f["rule_id"] for f in report["findings"]] == ["field.national-id"]


def test_a_missing_module_degrades_to_the_key_name():
    scheme = pii_checks.NationalIdScheme("Atlantis id", "at_lantis.idnr", None)
    verdict = pii_checks.national_id_verdict(scheme, "12345678")
    assert verdict.valid is None and "no Atlantis id check" in verdict.reason


def test_a_failing_validator_degrades_to_the_key_name(monkeypatch):
    def broken(value: str) -> object:
        raise KeyError(value)

    monkeypatch.setattr(pii_checks, "_stdnum_validate", lambda module: broken)
    verdict = pii_checks.national_id_verdict(pii_checks.NationalIdScheme("CPF", "br.cpf", None), "39053344705")
    assert verdict.valid is None and "could not run" in verdict.reason


def test_reasons_are_plain_words():
    cpf = pii_checks.national_id_scheme("cpf")
    assert cpf is not None
    bad = pii_checks.national_id_verdict(cpf, "390.533.447-06")
    assert bad.valid is False and re.search(r"not a valid Brazilian CPF \(.*check digit", bad.reason)
    assert pii_checks.national_id_verdict(cpf, "390.533.447-05").valid is True
