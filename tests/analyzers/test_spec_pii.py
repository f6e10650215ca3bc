"""Sensitive properties in response schemas (leakscan/analyzers/spec_pii.py)."""
from __future__ import annotations

import pytest

from leakscan.analyzers.fields import classify_field, normalise
from leakscan.analyzers.spec.pii import value_word

from .spec_support import findings, pointers, scan

HEAD = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"


def response(schema: str, method: str = "get", path: str = "/things/{id}", code: str = "200") -> str:
    """A spec whose one operation returns `schema` (YAML, indented for the schema slot)."""
    body = "\n".join("                " + line for line in schema.strip("\n").splitlines())
    return HEAD + f"""\
paths:
  {path}:
    {method}:
      responses:
        "{code}":
          description: ok
          content:
            application/json:
              schema:
{body}
"""


@pytest.mark.parametrize("schema, pointer", [
    ("type: object\nproperties:\n  ssn: {type: string}",
     "/paths/~1things~1{id}/get/responses/200/content/application~1json/schema/properties/ssn"),
    ("type: array\nitems:\n  type: object\n  properties:\n    cardNumber: {type: string}", None),
    ("oneOf:\n  - type: object\n    properties:\n      cvv: {type: string}\n  - type: 'null'", None),
    ("anyOf:\n  - type: object\n    properties:\n      iban: {type: string}", None),
    ("type: object\nadditionalProperties:\n  type: object\n  properties:\n    password: {type: string}",
     None),
    ("type: object\nproperties:\n  a:\n    type: object\n    properties:\n      b:\n        type: array\n"
     "        items:\n          type: object\n          properties:\n            date_of_birth: {type: string}", None),
])
def test_reached_through_every_schema_construct(engine, schema, pointer):
    found = findings(engine, response(schema))
    assert len(found) == 1 and found[0].category == "pii"
    if pointer:
        assert found[0].location.pointer == pointer


def test_through_refs_reported_where_written_with_the_operations_listed(engine):
    found = findings(engine, HEAD + """\
paths:
  /a: {get: {responses: {"200": {description: ok, content: \
{application/json: {schema: {$ref: '#/components/schemas/U'}}}}}}}
  /b: {get: {responses: {"200": {description: ok, content: \
{application/json: {schema: {$ref: '#/components/schemas/U'}}}}}}}
  /c: {get: {responses: {"201": {description: ok, content: \
{application/json: {schema: {$ref: '#/components/schemas/U'}}}}}}}
components:
  schemas:
    U:
      allOf:
        - $ref: '#/components/schemas/Base'
    Base:
      type: object
      properties:
        passport_number: {type: string}
        friend: {$ref: '#/components/schemas/U'}
""")
    (hit,) = found
    assert hit.location.pointer == "/components/schemas/Base/properties/passport_number"
    assert hit.location.line == 15
    assert "property passport_number in 200 response of GET /a: +0.05" in hit.reasons
    assert set(hit.also_at) == {"200 response of GET /b", "201 response of GET /c"}


@pytest.mark.parametrize("prop", [
    "ssn: {type: string, writeOnly: true}",
    "ssn_last4: {type: string}",
    "masked_pan: {type: string}",
    "card_number: {type: string, description: Masked card number}",
    "card_number: {type: string, pattern: '^\\*{12}\\d{4}$'}",
    "card_number: {type: string, format: masked}",
    "iban: {type: string, x-masked: true}",
    "password_set: {type: boolean}",
    "password_policy: {type: string}",
    "passwordMinLength: {type: integer}",
    "cvv_check: {type: string, enum: [pass, fail]}",
    "kms_key: {type: string, description: The ARN of the KMS key}",
    "account_number: {type: string, description: Customer account number}",
    "routing_number: {type: string}",
    "token: {type: string, description: Card token}",
    "card_number: {type: string, description: Loyalty card number}",
])
def test_named_negatives(engine, prop):
    assert findings(engine, response(f"type: object\nproperties:\n  {prop}")) == []


def test_write_only_schema_and_request_only_schema_are_not_reported(engine):
    assert findings(engine, response("type: object\nwriteOnly: true\nproperties:\n  ssn: {type: string}")) == []
    assert findings(engine, HEAD + """\
paths:
  /users:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {ssn: {type: string}, password: {type: string}}}
      responses: {"204": {description: created}}
""") == []


def test_ambiguous_names_need_their_context(engine):
    plain = "type: object\nproperties:\n  accountNumber: {type: string}"
    assert findings(engine, response(plain)) == []
    found = findings(engine, HEAD + """\
paths:
  /payouts: {get: {responses: {"200": {description: ok, content: \
{application/json: {schema: {$ref: '#/components/schemas/BankAccount'}}}}}}}
components:
  schemas:
    BankAccount: {type: object, properties: {accountNumber: {type: string}}}
""")
    assert [f.rule_id for f in found] == ["openapi.response.bank-account"]
    described = "type: object\nproperties:\n  token: {type: string, description: OAuth access token of the member}"
    assert [f.rule_id for f in findings(engine, response(described))] == ["openapi.response.token"]


def test_credentials_handed_out_by_design_fall_below_the_threshold(engine):
    schema = "type: object\nproperties:\n  access_token: {type: string}\n  refresh_token: {type: string}"
    issued = response(schema, method="post", path="/oauth/token")
    assert findings(engine, issued) == []
    (low, _) = sorted(scan(engine, issued, min_confidence=0.0)[0], key=lambda f: f.location.pointer)
    assert "POST /oauth/token hands out credentials by design: -0.40" in low.reasons
    assert {f.rule_id for f in findings(engine, response(schema, path="/members/{id}"))} == {"openapi.response.token"}


def test_properties_only_in_error_responses_fall_below_the_threshold(engine):
    schema = "type: object\nproperties:\n  password: {type: array, items: {type: string}}"
    assert findings(engine, response(schema, code="400")) == []


def test_full_example_values_raise_confidence(engine):
    plain = findings(engine, response("type: object\nproperties:\n  card_number: {type: string}"))
    luhn = findings(engine, response("type: object\nproperties:\n"
                                     "  card_number: {type: string, example: '4111111111111111'}"))
    assert luhn[0].confidence == pytest.approx(plain[0].confidence + 0.1)
    assert "example is a full payment card number (PAN): +0.10" in luhn[0].reasons


def test_swagger2_definitions_and_response_refs(engine):
    found = findings(engine, """\
        swagger: "2.0"
        info: {title: t, version: "1"}
        paths:
          /u: {get: {responses: {"200": {$ref: "#/responses/U"}}}}
        responses:
          U: {description: ok, schema: {$ref: "#/definitions/User"}}
        definitions:
          User: {type: object, properties: {password_hash: {type: string}}}
        """)
    assert pointers(found) == {"/definitions/User/properties/password_hash"}


def test_masks_per_kind(engine):
    schema = ("type: object\nproperties:\n  ssn: {type: string}\n  cardNumber: {type: string}\n"
              "  birthDate: {type: string}\n  iban: {type: string}\n  password: {type: string}")
    masked = {f.rule_id: f.masked for f in findings(engine, response(schema))}
    assert masked == {
        "openapi.response.ssn": "***-**-6789",
        "openapi.response.card-number": "**** **** **** 4242",
        "openapi.response.date-of-birth": "1990-**-**",
        "openapi.response.iban": "DE****************3000",
        "openapi.response.password": "[REDACTED]",
    }


@pytest.mark.parametrize("name, word", [
    ("adminPassword", "password"), ("passwordValue", "password"), ("privateKeyData", "privatekey"),
    ("driver_licence_number", "driverlicence"), ("bank_account_number", "bankaccountnumber"),
    ("passwordIncludeDigit", None), ("cardNumberHolder", None), ("encryptionKeyId", None),
])
def test_value_word(name, word):
    kind = classify_field(name)
    assert kind is not None
    assert value_word(normalise(name), kind) == word


def test_account_number_is_not_read_as_masked_by_its_count():
    # "accountnumber" holds the masking hint "count"; hints only count outside the sensitive word.
    assert classify_field("bank_account_number").kind == "bank_account"
    assert classify_field("account_number_last4") is None
