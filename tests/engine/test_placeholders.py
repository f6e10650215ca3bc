from __future__ import annotations

import pytest

from leakscan.engine.placeholders import placeholder_reason

from ..conftest import fake_github_token


@pytest.mark.parametrize("value", [
    "AKIAIOSFODNN7EXAMPLE", "YOUR_API_KEY", "<token>", "${DB_PASSWORD}", "{{ secrets.NPM_TOKEN }}",
    "os.environ['X']", "process.env.API_KEY", "changeme", "xxxxxxxxxxxxxxxx", "abcdefgh12",
    "aaaaaaaaaaaa", "%(password)s", "$SECRET", "replace_me_with_token", "********",
])
def test_placeholders_are_recognised(value):
    assert placeholder_reason(value) is not None


@pytest.mark.parametrize("value", [
    fake_github_token(2), "wJ8rXq2LmN5vB7tY1uI3oP9a", "Tr0ub4dor&3", "sk_live_" + "9aQ3xZ7mK2pL5vN8bC1dF4gH",
])
def test_realistic_values_are_not_placeholders(value):
    assert placeholder_reason(value) is None


@pytest.mark.parametrize("value", [
    "your-openai-api-key-goes-here", "YOUR_DEVICE_AUTH_TOKEN_GOES_HERE", "PUT_PROVISION_KEY_HERE",
    "insert-your-token-here",
])
def test_sentence_placeholders(value):
    assert placeholder_reason(value) is not None


def test_jwt_io_sample_tokens_are_placeholders():
    import base64
    import json

    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    sample = f"{part({'alg': 'HS256'})}.{part({'sub': '1234567890', 'name': 'John Doe', 'admin': True})}.c2ln"
    real = f"{part({'alg': 'HS256'})}.{part({'sub': 'u-8841', 'name': 'Mia Chen'})}.c2ln"
    assert placeholder_reason(sample) == "the jwt.io sample token"
    assert placeholder_reason(real) is None
