"""The names a rule may give under `validator:` and `filters:`.

The rule format's vocabulary, kept in the rules layer so that loading a pack
needs nothing from the engine; the engine implements one function per name
(tests/engine/test_validators.py asserts the tables and these names agree).
"""
from __future__ import annotations

VALIDATOR_NAMES = frozenset({
    "base64",
    "birth_date",
    "card_pan",
    "email_address",
    "github_checksum",
    "iban",
    "iban_account",
    "jwt",
    "luhn",
    "npm_checksum",
    "pem_private_key",
    "phone_number",
    "public_ip",
    "pypi_token",
    "us_ssn",
    "us_ssn_issuable",
})

FILTER_NAMES = frozenset({
    "dollar_prefixed",
    "indirect_reference",
    "likely_id",
    "not_alphanumeric",
    "sequential",
    "templated",
    "uuid",
})
