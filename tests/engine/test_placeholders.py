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


@pytest.mark.parametrize("value, line", [
    ("Asdfghjk#7731", "uri: 'mongodb+srv://shop:Asdfghjk#7731@cluster7-q2w9x.mongodb.net/db'"),
    ("Qwerty#2019x", 'DB_PASSWORD="Qwerty#2019x"'),
    ("asdfgh77!", "Server=db;User Id=app;Password=asdfgh77!;"),
])
def test_keyboard_walk_in_a_password_is_weak_not_a_placeholder(value, line):
    from leakscan.engine.placeholders import demo_value_reason

    assert placeholder_reason(value, line) is None
    assert demo_value_reason(value, line) == "keyboard walk in a password (weak, often a demo)"


@pytest.mark.parametrize("value, line", [
    ("qwertyuiop", 'password = "qwertyuiop"'),            # nothing but the walk
    ("Asdfghjk#7731", "api_key = 'Asdfghjk#7731'"),          # not where a password goes
    ("sk_live_qwertyuiop0934", 'STRIPE_KEY="sk_live_qwertyuiop0934"'),
    ("abcdefgh12", 'password = "abcdefgh12"'),             # alphabet runs still count
])
def test_keyboard_and_alphabet_runs_stay_placeholders_elsewhere(value, line):
    assert placeholder_reason(value, line) is not None
