from __future__ import annotations

import pytest
from stdnum import luhn

from leakscan.engine import pii_checks as p


@pytest.mark.parametrize("value,expected", [
    ("dana.whitfield@corpmail.net", None),
    ("jane.doe@example.com", False), ("ops@staging.test", False), ("a@b.invalid", False),
    ("noreply@shopfront.io", False), ("support+eu@shopfront.io", False),
    ("icon@2x.png", False), ("j***@corpmail.net", None),  # the regex never takes `***`; the check does not need to
])
def test_email(value, expected):
    assert p.email_address(value) is expected


@pytest.mark.parametrize("value,expected", [
    ("4539 7877 8932 8790", True), ("378292908100339", True),
    ("4716017468145380", False),  # Luhn fails: an order id
    ("4242 4242 4242 4242", False), ("4111111111111111", False),  # published test cards
    ("1234567812345670", False),  # Luhn passes, no brand starts with 1
    ("4000000000000002", False),
])
def test_card(value, expected):
    assert p.card_pan(value) is expected
    if expected:
        assert p.card_brand(value.replace(" ", "")) is not None


@pytest.mark.parametrize("value,expected", [
    ("536-22-1845", None), ("000-22-1845", False), ("666-22-1845", False), ("912-22-1845", False),
    ("536-00-1845", False), ("536-22-0000", False), ("078-05-1120", False), ("123-45-6789", False),
])
def test_ssn(value, expected):
    assert p.us_ssn_issuable(value) is expected


@pytest.mark.parametrize("value,expected", [
    ("+44 7911 123456", None), ("(212) 736-5000", None),
    ("+1 415 555 0132", False), ("(415) 555-0199", False), ("+44 20 7946 0018", False), ("+447700900123", False),
    ("+1 415 123 4567", False), ("12345", False),
])
def test_phone(value, expected):
    assert p.phone_number(value) is expected


def test_iban_birth_date_ip():
    assert p.iban_account("DE62 3704 0044 0532 0130 01") is True  # a valid checksum raises confidence
    assert p.iban_account("DE89370400440532013000") is False  # the documentation IBAN
    assert p.iban_account("DE62370400440532013002") is False  # mod-97 fails
    assert p.birth_date("12 April 1985") is None and p.birth_date("04/12/1985") is None
    assert p.birth_date("1900-01-01") is False and p.birth_date("2999-02-01") is False and p.birth_date("soon") is False
    assert p.public_ip("81.2.69.160") is None
    assert p.public_ip("10.1.2.3") is False and p.public_ip("203.0.113.7") is False and p.public_ip("1.2.3") is False


@pytest.mark.parametrize("value,why", [
    ("111-22-3333", "dummy SSN (repeated or sequential digits)"),
    ("876-54-3210", "dummy SSN (repeated or sequential digits)"),
    ("123-12-1234", "dummy SSN (repeated or sequential digits)"),
    ("078-05-1120", "published example SSN"),
    ("536-22-1845", None),
])
def test_ssn_problem_in_plain_words(value, why):
    assert p.ssn_problem(value) == why


def test_card_problem_names_test_cards():
    assert p.card_problem("4242 4242 4242 4242") == "published test card number"
    assert p.card_problem("4716017468145380") == "fails the card Luhn check"
    assert p.card_problem("4539 7877 8932 8790") is None


def _card_for(prefix: p.CardPrefix) -> str:
    """A Luhn-valid number at the top of the prefix range, padded with non-repeating digits."""
    length = max(prefix.lengths)
    body = (prefix.high + "7392851604" * 2)[:length - 1]
    return body + luhn.calc_check_digit(body)


@pytest.mark.parametrize("network", sorted({n.brand for n in p.values().card_prefixes}))
def test_every_network_in_the_iin_table_is_a_card(network):
    prefixes = [pre for pre in p.values().card_prefixes if pre.brand == network]
    for prefix in prefixes:
        number = _card_for(prefix)
        assert p.card_pan(number) is True, number
        assert p.card_brand(number) is not None
        broken = number[:-1] + str((int(number[-1]) + 1) % 10)
        assert p.card_problem(broken) == "fails the card Luhn check"


@pytest.mark.parametrize("value,brand", [("2720 9900 0000 0005", "Mastercard"), ("2200 7302 4551 1863", "Mir"),
                                         ("5019 7170 1010 3742", "Dankort"), ("6062 8288 8866 6688", "Hipercard")])
def test_brand_names_the_longest_prefix(value, brand):
    digits = value.replace(" ", "")[:-1]
    assert p.card_brand(digits + luhn.calc_check_digit(digits)) == brand


@pytest.mark.parametrize(("value", "region"), [
    ("+43 664 381 2947", "Austria"), ("+41 44 668 18 23", "Switzerland"), ("+81-90-3812-9471", "Japan"),
    ("+82 10 3812 9471", "South Korea"), ("+90.532.381.2947", "Turkey"), ("+971 50 381 2947", "United Arab Emirates")])
def test_an_international_number_is_valid_for_any_region_and_says_which(value, region):
    hint = p.RegionHint("PL", "the country field")  # its country code decides, not the capture's region
    for hints in ((), (hint,)):
        verdict = p.phone_verdict(value, hints)
        assert verdict.valid and verdict.reason == f"valid number in {region} (international format)"


def test_why_a_number_is_invalid_names_what_was_tried():
    hint = p.RegionHint("CH", "the country field")
    assert p.phone_verdict("+999 381 2947", (hint,)).reason == "not a valid phone number for its country code"
    assert p.phone_verdict("000 381 2947").reason == "not a valid phone number in any of the usual regions"
    assert p.phone_verdict("000 381 2947", (hint,)).reason == (
        "not a valid phone number in Switzerland (region from the country field) nor in the usual regions")
