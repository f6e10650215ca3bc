"""The provider packs added for issue 12 (communication, ml, commerce, infra, devops, analytics, security,
productivity): each rule is documented and exemplified in several syntaxes, a credential is named by its
provider's rule in real files, and identifiers or a bare value without its provider's name are not."""
from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.rules.loader import load_rules

NEW_PACKS = ("communication", "ml", "commerce", "infra", "devops", "analytics", "security", "productivity")
RULES = [r for r in load_rules() if r.source_file.removesuffix(".yaml") in NEW_PACKS]
HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits


# How an example assigns its value, most specific form first.
SYNTAXES = (("xml", r"<[\w.-]+>[^<]"), ("php-define", r"define\("), ("go", r":="), ("ruby", r"=>"), ("make", r"\?="),
            ("json", r'"[\w.-]+"\s*:'), ("call", r"\w\(\s*[\"'{]"), ("yaml", r"^\s*[\w.-]+:\s"),
            ("env", r"^(?:export )?[A-Z][A-Z0-9_]*="), ("assignment", r"\w\s*=\s*[\"']"))


def _syntax(example: str) -> str:
    return next((name for name, pattern in SYNTAXES if re.search(pattern, example)), "other")


def _fake(alphabet: str, length: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


def _uuid(seed: int) -> str:
    raw = _fake(HEX, 32, seed)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def _scan(root: Path) -> list[dict]:
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json", "--no-progress"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return [f for f in json.loads(result.output)["findings"] if f["category"] in ("secret", "url-token")]


def test_every_new_pack_ships_and_each_rule_is_exemplified_in_several_syntaxes() -> None:
    assert {r.source_file.removesuffix(".yaml") for r in RULES} == set(NEW_PACKS)
    assert len(RULES) >= 280
    for rule in RULES:
        assert rule.references and rule.category in ("secret", "url-token"), rule.id
        assert len(rule.examples) >= 3 and len(rule.negative_examples) >= 2, rule.id
        assert len({_syntax(e) for e in rule.examples}) >= 2, rule.id


def test_provider_credentials_are_named_by_their_rule_in_every_file_type(tmp_path: Path) -> None:
    pubnub = "sec-c-" + _fake(ALNUM, 48, 1)
    neon = "napi_" + _fake(string.ascii_lowercase + string.digits, 64, 2)
    zoho = f"1000.{_fake(HEX, 32, 3)}.{_fake(HEX, 32, 4)}"
    deepgram = _fake(HEX, 40, 5)
    checkout = "sk_sbox_" + _fake(string.ascii_lowercase + string.digits, 26, 6)
    tenable = _fake(HEX, 64, 7)
    (tmp_path / ".env").write_text(f"PUBNUB_SECRET_KEY={pubnub}\nNEON_API_KEY='{neon}'\n")
    (tmp_path / "crm.go").write_text(f'package crm\n\nvar zohoRefreshToken = "{zoho}"\n')
    (tmp_path / "speech.yaml").write_text(f"deepgram:\n  api_key: {deepgram}\n")
    (tmp_path / "pay.php").write_text(f"<?php\ndefine('CHECKOUT_SECRET_KEY', '{checkout}');\n")
    (tmp_path / "scan.xml").write_text(f"<config>\n  <tenableSecretKey>{tenable}</tenableSecretKey>\n</config>\n")
    findings = _scan(tmp_path)
    found = {(Path(f["location"]["path"]).name, f["rule_id"]) for f in findings}
    assert {(".env", "pubnub.secret-key"), (".env", "neon.api-key"), ("crm.go", "zoho.oauth-token"),
            ("speech.yaml", "deepgram.api-key"), ("pay.php", "checkout.secret-key"),
            ("scan.xml", "tenable.secret-key")} <= found
    report = json.dumps(findings)
    for secret in (pubnub, neon, zoho, deepgram, checkout, tenable):
        assert secret not in report  # masked, never printed in full


@pytest.mark.parametrize("text", [
    # identifiers that sit beside these providers' secrets are not secrets on their own
    "LIVEKIT_API_KEY=API" + _fake(ALNUM, 12, 8) + "\nLIVEKIT_URL=wss://acme.livekit.cloud\n",
    "TENCENTCLOUD_SECRET_ID=AKID" + _fake(ALNUM, 32, 9) + "\n",
    "PUBNUB_PUBLISH_KEY=pub-c-" + _uuid(10) + "\nPUBNUB_SUBSCRIBE_KEY=sub-c-" + _uuid(11) + "\n",
    "RADAR_PUBLISHABLE_KEY=prj_live_pk_" + _fake(HEX, 40, 12) + "\n",
    "RECAPTCHA_SITE_KEY=6L" + _fake(ALNUM, 38, 13) + "\n",
    # a value of a provider's shape under an unrelated name is not that provider's credential
    "build_checksum = \"" + _fake(HEX, 40, 14) + "\"\n",
    "release_id: " + _uuid(15) + "\n",
    # documentation placeholders
    "DEEPGRAM_API_KEY=<your-deepgram-api-key>\nNEON_API_KEY=napi_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    "export CHECKOUT_SECRET_KEY=${CHECKOUT_SECRET_KEY}\nTENABLE_SECRET_KEY={{ secrets.tenable }}\n",
])
def test_identifiers_placeholders_and_unnamed_values_are_not_reported(tmp_path: Path, text: str) -> None:
    (tmp_path / "settings.env").write_text(text)
    new_ids = {r.id for r in RULES}
    assert not [f["rule_id"] for f in _scan(tmp_path) if f["rule_id"] in new_ids]
