"""`leakscan scan` opens archives (issue 14): members found at `outer!/member` with their layers."""
from __future__ import annotations

import base64
import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from leakscan.cli import cli

from .conftest import fake_github_token


def scan_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["scan", "--format", "json", "--no-progress", *args], catch_exceptions=False)
    return json.loads(result.output)


def write_zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def properties() -> str:
    return ("spring.datasource.url=jdbc:postgresql://db.internal:5432/app\n"
            "spring.datasource.username=app\nspring.datasource.password=Vq8#rT2!mZp4Lx9w\n")


def test_jar_with_a_database_password(tmp_path: Path) -> None:
    write_zip(tmp_path / "app.jar", {"BOOT-INF/classes/application.properties": properties()})
    (tmp_path / "application.properties").write_text(properties())
    report = scan_json(str(tmp_path))
    inside = [f for f in report["findings"] if "!/" in f["location"]["path"]]
    outside = [f for f in report["findings"] if "!/" not in f["location"]["path"]]
    assert [(f["rule_id"], f["location"]["path"], f["location"]["layers"]) for f in inside] == [
        ("generic.password.config", "app.jar!/BOOT-INF/classes/application.properties", ["zip"])]
    assert [f["rule_id"] for f in outside] == ["generic.password.config"]
    assert "layers" not in outside[0]["location"]
    assert inside[0]["fingerprint"] != outside[0]["fingerprint"]  # fingerprints on the full path
    assert "Vq8#rT2!mZp4Lx9w" not in json.dumps(report)


def test_no_archives_leaves_them_out(tmp_path: Path) -> None:
    write_zip(tmp_path / "app.jar", {"application.properties": properties()})
    report = scan_json("--no-archives", str(tmp_path))
    assert report["findings"] == [] and report["stats"]["skipped"] == {"binary": 1}


def test_wheel_and_zip_without_a_telling_name(tmp_path: Path) -> None:
    token = fake_github_token(7)
    write_zip(tmp_path / "pkg-1.0-py3-none-any.whl", {"pkg/settings.py": f'TOKEN = "{token}"\n'})
    write_zip(tmp_path / "bundle.nupkg", {"content/config.txt": f"token: {token}\n"})
    report = scan_json(str(tmp_path))
    assert sorted((f["location"]["path"], f["rule_id"]) for f in report["findings"]) == [
        ("bundle.nupkg!/content/config.txt", "github.pat.classic"),
        ("pkg-1.0-py3-none-any.whl!/pkg/settings.py", "github.pat.classic")]


def test_tar_gz_with_an_env_file(tmp_path: Path) -> None:
    env = f"GITHUB_TOKEN={fake_github_token(8)}\n".encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        info = tarfile.TarInfo("release/.env")
        info.size = len(env)
        archive.addfile(info, io.BytesIO(env))
    (tmp_path / "release.tgz").write_bytes(buf.getvalue())
    report = scan_json(str(tmp_path))
    assert [(f["location"]["path"], f["location"]["layers"]) for f in report["findings"]] == [
        ("release.tgz!/release/.env", ["gzip", "tar"])]


def test_har_gz_goes_to_the_capture_scanner(tmp_path: Path) -> None:
    token = fake_github_token(9)
    entry = {"request": {"method": "GET", "url": "https://api.example.test/user", "httpVersion": "HTTP/1.1",
                         "headers": [{"name": "Authorization", "value": f"token {token}"}],
                         "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                          "cookies": [], "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "",
                          "headersSize": -1, "bodySize": 0},
             "startedDateTime": "2026-01-01T00:00:00Z", "time": 1, "cache": {}, "timings": {}}
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [entry]}}
    (tmp_path / "session.har.gz").write_bytes(gzip.compress(json.dumps(har, indent=1).encode()))
    report = scan_json(str(tmp_path))
    found = [f for f in report["findings"] if f["rule_id"] == "github.pat.classic"]
    assert len(found) == 1
    assert found[0]["location"]["path"] == "session.har.gz!/session.har"
    assert found[0]["location"]["layers"] == ["gzip"]
    assert found[0]["location"]["pointer"] == "/log/entries/0/request/headers/0/value"  # parsed as a HAR


def test_limits_hit_are_errors_and_configurable(tmp_path: Path) -> None:
    (tmp_path / "dump.gz").write_bytes(gzip.compress(b"\0" * (8 << 20), 9))
    write_zip(tmp_path / "evil.zip", {"../outside.env": properties()})
    report = scan_json(str(tmp_path))
    messages = sorted((e["path"], e["message"]) for e in report["errors"])
    assert messages[0][0] == "dump.gz" and "archive_limits.max_ratio" in messages[0][1]
    assert messages[1] == ("evil.zip!/../outside.env", "not read: member name leaves the archive (path traversal)")
    (tmp_path / ".leakscan.yaml").write_text("archive_limits:\n  max_ratio: 100000\n")
    report = scan_json("--config", str(tmp_path / ".leakscan.yaml"), str(tmp_path / "dump.gz"))
    assert [e for e in report["errors"] if "max_ratio" in e["message"]] == []


def notebook(token: str, other: str) -> dict[str, Any]:
    image = base64.b64encode(f'token = "{other}"'.encode()).decode()  # a token "inside" a PNG: not text
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Notes\n", "nothing here\n"]},
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["import os\n", "client = connect()\n"],
         "outputs": [{"output_type": "stream", "name": "stdout", "text": ["connecting\n", f'token = "{token}"\n']},
                     {"output_type": "display_data", "metadata": {},
                      "data": {"image/png": image, "text/plain": ["<Figure>"]}}]},
    ]}


def test_notebook_cells_are_scanned_with_their_index_and_images_are_not(tmp_path: Path) -> None:
    token, other = fake_github_token(11), fake_github_token(12)
    (tmp_path / "analysis.ipynb").write_text(json.dumps(notebook(token, other), indent=1))
    report = scan_json(str(tmp_path))
    assert [(f["rule_id"], f["location"]["path"], f["location"]["line"], f["location"]["layers"])
            for f in report["findings"]] == [
        ("github.pat.classic", "analysis.ipynb!/cells/1/outputs/0/text", 2, ["notebook"])]
    assert token not in json.dumps(report) and report["errors"] == []


def test_a_file_named_ipynb_that_is_no_notebook_is_scanned_as_text(tmp_path: Path) -> None:
    token = fake_github_token(13)
    (tmp_path / "broken.ipynb").write_text(f'{{"cells": [ token = "{token}"\n')
    [finding] = scan_json(str(tmp_path))["findings"]
    assert (finding["location"]["path"], "layers" in finding["location"]) == ("broken.ipynb", False)


def _tar_bytes(members: dict[str, bytes], compress: bool = False) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if compress else "w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_docker_save_image_key_in_the_lower_layer(tmp_path: Path) -> None:
    """`docker save` writes a tar of layer tars named by digest: the finding names the layer and
    the path inside it."""
    token = fake_github_token(31)
    lower = _tar_bytes({"app/.env": f"GITHUB_TOKEN={token}\n".encode(), "app/main.py": b"print(1)\n"})
    upper = _tar_bytes({"app/README": b"hello\n"})
    lower_id, upper_id = "a" * 64, "b" * 64
    manifest = [{"Config": "c" * 64 + ".json", "RepoTags": ["shop:1"],
                 "Layers": [f"{lower_id}/layer.tar", f"{upper_id}/layer.tar"]}]
    (tmp_path / "shop.tar").write_bytes(_tar_bytes({
        "manifest.json": json.dumps(manifest).encode(), f"{lower_id}/layer.tar": lower,
        f"{upper_id}/layer.tar": upper}))
    report = scan_json(str(tmp_path))
    (finding,) = report["findings"]
    assert finding["location"]["path"] == f"shop.tar!/{lower_id}/layer.tar!/app/.env"
    assert finding["location"]["layers"] == ["tar", "tar"]
    assert token not in json.dumps(report)


def test_oci_image_layout_gzip_layers_by_digest(tmp_path: Path) -> None:
    """An OCI image layout keeps layers as gzip'd tars under blobs/sha256/<digest>, with no suffix:
    recognised by content."""
    token = fake_github_token(32)
    layer = _tar_bytes({"etc/app/config.yaml": f"github_token: {token}\n".encode()}, compress=True)
    digest = "d" * 64
    (tmp_path / "image.oci.tar").write_bytes(_tar_bytes({
        "oci-layout": b'{"imageLayoutVersion": "1.0.0"}', "index.json": b'{"schemaVersion": 2, "manifests": []}',
        f"blobs/sha256/{digest}": layer}))
    report = scan_json(str(tmp_path))
    (finding,) = report["findings"]
    assert finding["location"]["path"] == f"image.oci.tar!/blobs/sha256/{digest}!/etc/app/config.yaml"
    assert finding["location"]["layers"] == ["tar", "gzip", "tar"]


def test_layers_are_named_in_sarif_and_text(tmp_path: Path) -> None:
    token = fake_github_token(33)
    (tmp_path / "env.tar.gz").write_bytes(_tar_bytes({".env": f"GITHUB_TOKEN={token}\n".encode()}, compress=True))
    sarif = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "sarif", "--no-progress"]).output
    (result,) = json.loads(sarif)["runs"][0]["results"]
    assert result["properties"]["layers"] == ["gzip", "tar"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("env.tar.gz!/.env")
    text = CliRunner().invoke(cli, ["scan", str(tmp_path), "--no-progress"]).output
    assert "inside gzip → tar" in text and token not in text + sarif
