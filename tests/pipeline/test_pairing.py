"""Identifiers (key ids, client ids, account SIDs) are named in their secret's finding, never reported alone."""
from __future__ import annotations

import json
import random
import string

from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk

from ..conftest import fake_aws_key_id

BASE64 = string.ascii_letters + string.digits + "+/"


def fake_aws_secret(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(BASE64) for _ in range(40))


def fake_hex(seed: int, length: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def findings(engine: Engine, text: str, path: str = "deploy/settings.ini"):
    return scan_chunk(Chunk(text, Origin(kind="file", path=path)), engine)[0]


def test_key_id_beside_its_secret_is_one_finding_naming_the_id(engine):
    key_id, secret = fake_aws_key_id(11), fake_aws_secret(11)
    found = findings(engine, f"[prod]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
    assert [f.category for f in found] == ["secret"]
    (finding,) = found
    assert finding.location.line == 3 and finding.rule_id.startswith("aws.secret-access-key")
    paired = [r for r in finding.reasons if r.startswith("paired with AWS access key ID ")]
    assert paired and "(line 2)" in paired[0]
    # The id is named masked: its prefix, never the whole id (nor the secret) in any reason.
    assert key_id[:4] + "*" in paired[0] and key_id not in " ".join(finding.reasons)
    assert secret not in " ".join(finding.reasons)


def test_pairing_raises_the_secrets_confidence(engine):
    secret = fake_aws_secret(12)
    alone = findings(engine, f"x = 1\naws_secret_access_key = {secret}\n", "app/settings.py")
    with_id = findings(engine, f"aws_access_key_id = {fake_aws_key_id(12)}\naws_secret_access_key = {secret}\n",
                       "app/settings.py")
    assert with_id[0].confidence > alone[0].confidence


def test_key_id_alone_is_not_a_secret(engine):
    assert findings(engine, f"AWS_ACCESS_KEY_ID={fake_aws_key_id(13)}\n") == []
    shown = Engine.build(Config(jobs=1, min_confidence=0.0))
    (note,) = findings(shown, f"AWS_ACCESS_KEY_ID={fake_aws_key_id(13)}\n")
    assert note.category == "identifier" and note.confidence <= 0.3
    assert any("an identifier, not a secret" in r for r in note.reasons)


def test_a_key_id_under_a_generic_key_name_is_still_an_identifier(engine):
    assert findings(engine, f'api_key = "{fake_aws_key_id(24)}"\n', "app/settings.py") == []


def test_an_id_too_far_from_the_secret_is_not_named(engine):
    filler = "".join(f"setting_{i} = {i}\n" for i in range(8))
    found = findings(engine, f"aws_access_key_id = {fake_aws_key_id(14)}\n{filler}"
                             f"aws_secret_access_key = {fake_aws_secret(14)}\n")
    assert [f.category for f in found] == ["secret"]
    assert not any(r.startswith("paired with") for r in found[0].reasons)


def test_an_id_of_another_provider_is_not_named(engine):
    found = findings(engine, f"GITHUB_CLIENT_ID=Iv1.{fake_hex(15, 16)}\n"
                             f"aws_secret_access_key = {fake_aws_secret(15)}\n")
    assert [f.category for f in found] == ["secret"]
    assert not any(r.startswith("paired with") for r in found[0].reasons)


def test_a_documentation_key_id_names_nothing(engine):
    found = findings(engine, "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                             f"aws_secret_access_key = {fake_aws_secret(16)}\n")
    assert [f.category for f in found] == ["secret"]
    assert not any(r.startswith("paired with") for r in found[0].reasons)


def test_twilio_account_sid_and_auth_token_in_code(engine):
    sid, token = "AC" + fake_hex(17, 32), fake_hex(18, 32)
    found = findings(engine, f"from twilio.rest import Client\nclient = Client('{sid}', '{token}')\n", "app/sms.py")
    assert [(f.rule_id, f.category) for f in found] == [("twilio.auth-token", "secret")]
    assert any(r.startswith("paired with Twilio account SID AC") for r in found[0].reasons)


def test_google_client_id_and_client_secret_in_json(engine):
    rng = random.Random(19)
    client_id = "".join(rng.choice(string.digits) for _ in range(12)) + "-" + "".join(
        rng.choice(string.ascii_lowercase + string.digits) for _ in range(32)) + ".apps.googleusercontent.com"
    secret = "GOCSPX-" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(28))
    text = json.dumps({"web": {"client_id": client_id, "client_secret": secret}}, indent=2)
    found = findings(engine, text, "client_secret.json")
    assert [(f.rule_id, f.category) for f in found] == [("gcp.oauth.client-secret", "secret")]
    assert any(r.startswith("paired with Google OAuth client ID ") for r in found[0].reasons)


def test_algolia_application_id_and_admin_key(engine):
    found = findings(engine, f"ALGOLIA_APP_ID=K9QW2XBN7M\nALGOLIA_ADMIN_KEY={fake_hex(22, 32)}\n", ".env")
    assert [(f.rule_id, f.category) for f in found] == [("algolia.admin-key", "secret")]
    assert any(r.startswith("paired with Algolia application ID K9Q") for r in found[0].reasons)


def test_a_client_id_is_named_by_the_client_secret_beside_it(engine):
    rng = random.Random(23)
    guid = "-".join("".join(rng.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12))
    secret = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))
    found = findings(engine, f'oauth = {{\n  client_id = "{guid}"\n  client_secret = "{secret}"\n}}\n',
                     "infra/main.tf")
    assert [f.category for f in found] == ["secret"]
    assert any(r.startswith("paired with OAuth application (client) ID ") and "(line 2)" in r
               for r in found[0].reasons)


def test_cli_reports_the_pair_once_and_never_prints_the_id_whole(tmp_path):
    key_id, secret = fake_aws_key_id(20), fake_aws_secret(20)
    (tmp_path / ".env").write_text(f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={secret}\n")
    (tmp_path / "only_id.env").write_text(f"AWS_ACCESS_KEY_ID={fake_aws_key_id(21)}\n")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json", "--no-progress"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert [(f["location"]["path"], f["category"]) for f in report["findings"]] == [(".env", "secret")]
    assert any(r.startswith("paired with AWS access key ID") for r in report["findings"][0]["reasons"])
    assert key_id not in result.output and secret not in result.output
