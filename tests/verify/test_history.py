"""Verification of history findings: pair parts and re-read secrets come from the git blob, not the work tree."""
from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from leakscan.cli import cli
from tests.gitrepo import GitRepo

RNG = random.Random(15)
SID = "AC" + "".join(RNG.choice("0123456789abcdef") for _ in range(32))
TOKEN = "".join(RNG.choice("0123456789abcdef") for _ in range(32))


def test_a_deleted_twilio_pair_is_verified_from_its_blob(tmp_path: Path, httpserver: HTTPServer) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("add settings", {"config.env": f"TWILIO_ACCOUNT_SID={SID}\nTWILIO_AUTH_TOKEN={TOKEN}\n"})
    repo.commit("remove settings", {"config.env": None})
    httpserver.expect_request(f"/2010-04-01/Accounts/{SID}.json").respond_with_json(
        {"sid": SID, "friendly_name": "Main", "status": "active"})
    endpoint = f"twilio={httpserver.url_for('')}"

    scanned = CliRunner().invoke(cli, ["git", str(repo.path), "--verify", "--verify-endpoint", endpoint,
                                       "--format", "json", "--no-progress"])
    [finding] = [f for f in json.loads(scanned.stdout)["findings"] if f["rule_id"] == "twilio.auth-token"]
    assert finding["verification"]["status"] == "valid"
    assert TOKEN not in scanned.stdout + scanned.stderr

    report = tmp_path / "history.json"
    CliRunner().invoke(cli, ["git", str(repo.path), "--format", "json", "-o", str(report), "--no-progress"])
    httpserver.clear_log()
    again = CliRunner().invoke(cli, ["verify", str(report), "--root", str(repo.path), "--verify-endpoint", endpoint,
                                     "--format", "json"])
    [reread] = [f for f in json.loads(again.stdout)["findings"] if f["rule_id"] == "twilio.auth-token"]
    assert reread["verification"]["status"] == "valid"
    assert len(httpserver.log) == 1
