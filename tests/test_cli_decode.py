"""`leakscan scan` decodes encoded values (issue 14.2): the finding names its layers, keeps the outer span."""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from leakscan.cli import cli

from .conftest import fake_github_token
from .gitrepo import GitRepo


def scan_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["scan", "--format", "json", "--no-progress", *args], catch_exceptions=False)
    return json.loads(result.output)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_kubernetes_secret_data_field(tmp_path: Path) -> None:
    token = fake_github_token(11)
    encoded = b64(token)
    (tmp_path / "secret.yaml").write_text(f"apiVersion: v1\nkind: Secret\ndata:\n  token: {encoded}\n")
    [finding] = scan_json(str(tmp_path))["findings"]
    assert finding["rule_id"] == "github.pat.classic"
    assert finding["location"]["layers"] == ["base64"]
    assert "decoded: token → base64" in finding["reasons"]
    assert (finding["location"]["line"], finding["location"]["column"]) == (4, 10)
    assert finding["location"]["end_column"] == 10 + len(encoded)
    assert token not in json.dumps(finding) and encoded not in json.dumps(finding)
    plain = scan_json("--no-decode", str(tmp_path))["findings"]
    assert [f for f in plain if f["rule_id"] == "github.pat.classic" or f["location"].get("layers")] == []


def test_percent_encoded_and_nested_layers(tmp_path: Path) -> None:
    token = fake_github_token(12)
    (tmp_path / "app.env").write_text(f"CALLBACK=https%3A%2F%2Fexample.test%2Fcb%3Ftoken%3D{token}\n")
    (tmp_path / "twice.yaml").write_text(f"kind: Secret\ndata:\n  token: {b64(b64(token))}\n")
    (tmp_path / "thrice.yaml").write_text(f"kind: Secret\ndata:\n  token: {b64(b64(b64(token)))}\n")
    found = {f["location"]["path"]: f for f in scan_json(str(tmp_path))["findings"]
             if f["rule_id"] == "github.pat.classic"}
    assert found["app.env"]["location"]["layers"] == ["percent"]
    assert found["twice.yaml"]["location"]["layers"] == ["base64", "base64"]
    assert "thrice.yaml" not in found  # depth 2: no deeper


def test_docker_config_json_in_a_pull_secret(tmp_path: Path) -> None:
    config = json.dumps({"auths": {"registry.example.test": {"auth": b64("ci:Xy7PqL2mN8vR4tZwq")}}})
    (tmp_path / "pull.yaml").write_text(f"kind: Secret\ndata:\n  .dockerconfigjson: {b64(config)}\n")
    found = [f for f in scan_json(str(tmp_path))["findings"] if f["location"].get("layers")]
    assert [(f["rule_id"], f["location"]["layers"], f["location"]["line"]) for f in found] == [
        ("docker.config-auth", ["base64"], 3)]
    assert "decoded: dockerconfigjson → base64" in found[0]["reasons"]


def test_decoded_layers_inside_an_archive(tmp_path: Path) -> None:
    import zipfile
    with zipfile.ZipFile(tmp_path / "chart.zip", "w") as archive:
        archive.writestr("templates/secret.yaml", f"data:\n  token: {b64(fake_github_token(13))}\n")
    [finding] = scan_json(str(tmp_path))["findings"]
    assert finding["location"]["path"] == "chart.zip!/templates/secret.yaml"
    assert finding["location"]["layers"] == ["zip", "base64"]


def test_history_scans_decode_what_each_commit_adds(tmp_path: Path) -> None:
    """A Kubernetes Secret committed with a base64 token is found in history with its layer, once,
    at the commit that added it; --no-decode leaves it out."""
    token = fake_github_token(21)
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {"deploy/secret.yaml": "apiVersion: v1\nkind: Secret\ndata: {}\n"})
    repo.commit("add token", {"deploy/secret.yaml": f"apiVersion: v1\nkind: Secret\ndata:\n  token: {b64(token)}\n"})
    repo.commit("unrelated", {"deploy/secret.yaml": f"apiVersion: v1\nkind: Secret\ndata:\n  token: {b64(token)}\n"
                                                    "  # rotated soon\n"})

    def history(*extra: str) -> dict[str, Any]:
        out = CliRunner().invoke(cli, ["git", str(repo.path), "--format", "json", "--no-progress", *extra]).output
        return json.loads(out)

    [finding] = history()["findings"]
    assert (finding["rule_id"], finding["location"]["layers"], finding["location"]["line"]) == (
        "github.pat.classic", ["base64"], 4)
    assert finding["location"]["commit"] == repo.git("rev-list", "-n1", "HEAD~1").strip()
    assert token not in json.dumps(finding)
    plain = history("--no-decode")["findings"]
    assert [f for f in plain if f["rule_id"] == "github.pat.classic" or f["location"].get("layers")] == []
