from __future__ import annotations

import base64
import json

from leakscan.engine import validators as v

from ..conftest import fake_github_token


def b64url(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_github_checksum():
    token = fake_github_token(5)
    assert v.github_checksum(token) is True
    broken = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert v.github_checksum(broken) is False


def test_jwt_structure():
    good = f"{b64url({'alg': 'HS256', 'typ': 'JWT'})}.{b64url({'sub': '42'})}.c2lnbmF0dXJl"
    assert v.jwt_structure(good) is True
    assert v.jwt_structure(f"{b64url({'typ': 'JWT'})}.{b64url({'sub': '42'})}.sig") is False
    assert v.jwt_structure("eyJub3QganNvbg.eyJ4IjoxfQ.sig") is False


def test_pem_body_size():
    body = base64.b64encode(bytes(range(256)) * 2).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    assert v.pem_private_key(f"-----BEGIN PRIVATE KEY-----\n{lines}\n-----END PRIVATE KEY-----") is True
    assert v.pem_private_key("-----BEGIN PRIVATE KEY-----\nMIIBVQ==\n-----END PRIVATE KEY-----") is False
    assert v.pem_private_key("-----BEGIN PRIVATE KEY-----\nnot base64 !!\n-----END PRIVATE KEY-----") is False


def test_luhn_iban_ssn():
    assert v.luhn("4111 1111 1111 1111") is True
    assert v.luhn("4111 1111 1111 1112") is False
    assert v.iban("GB82 WEST 1234 5698 7654 32") is True
    assert v.iban("GB82 WEST 1234 5698 7654 33") is False
    assert v.us_ssn("536-22-1234") is True
    for bad in ("000-12-3456", "666-12-3456", "912-12-3456", "536-00-1234", "536-22-0000"):
        assert v.us_ssn(bad) is False, bad


def test_base62_width():
    assert v.base62(0, 6) == "000000"
    assert v.base62(61, 2) == "0z"


def _pem_lines_with_plus_at_line_end() -> list[str]:
    import random

    for seed in range(500):
        raw = random.Random(seed).randbytes(600)
        body = base64.b64encode(raw).decode()
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        if any(line.endswith("+") for line in lines):
            return lines
    raise AssertionError("no seed gives a line ending in '+'")


def test_pem_body_lines_may_end_in_plus_and_be_string_literals():
    lines = _pem_lines_with_plus_at_line_end()
    plain = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END RSA PRIVATE KEY-----"
    assert v.pem_private_key(plain) is True
    quoted = ('"-----BEGIN RSA PRIVATE KEY-----" +\n' + "".join(f'"{ln}" +\n' for ln in lines)
              + '"-----END RSA PRIVATE KEY-----"')
    assert v.pem_private_key(quoted) is True
    escaped = "-----BEGIN RSA PRIVATE KEY-----\\n" + "\\n".join(lines) + "\\n-----END RSA PRIVATE KEY-----"
    assert v.pem_private_key(escaped) is True


def test_rule_vocabulary_names_every_engine_check_and_nothing_else() -> None:
    from leakscan.engine.filters import FILTERS
    from leakscan.engine.validators import VALIDATORS
    from leakscan.rules.names import FILTER_NAMES, VALIDATOR_NAMES

    assert set(VALIDATORS) == VALIDATOR_NAMES
    assert set(FILTERS) == FILTER_NAMES
