from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import leakscan
from leakscan.cli import cli

from .conftest import fake_github_token
from .gitrepo import GIT_ENV, GitRepo

ROOT = Path(leakscan.__file__).resolve().parent.parent


def run(*args: str):
    return CliRunner().invoke(cli, [*args, "--no-progress"], catch_exceptions=False)


def test_text_report_names_commit_author_and_date(tmp_path):
    token = fake_github_token(71)
    repo = GitRepo(tmp_path / "r")
    added = repo.commit("add", {"deploy/env.sh": f"export GH_TOKEN={token}\n"}, author="Carol Dev")
    repo.commit("remove", {"deploy/env.sh": None})
    result = run("git", str(repo.path))
    assert result.exit_code == 1
    assert f"deploy/env.sh @ {added[:12]}" in result.output
    assert f"commit {added} (Carol Dev <alice@example.com>, 2024-01-02T12:00:00+00:00)" in result.output
    assert "1:17" in result.output and "ghp_****" in result.output and token not in result.output


def test_json_report_carries_commit_blob_author_and_date(tmp_path):
    repo = GitRepo(tmp_path / "r")
    added = repo.commit("add", {"a.env": f"T={fake_github_token(72)}\n"})
    result = run("git", str(repo.path), "--format", "json")
    (finding,) = json.loads(result.output)["findings"]
    location = finding["location"]
    assert location["commit"] == added and location["blob"] == repo.blob(f"{added}:a.env")
    assert location["author"] == "Alice Example <alice@example.com>" and location["date"].startswith("2024-01-02")
    assert json.loads(result.output)["stats"]["files"] == 1


def test_range_since_commit_and_staged_modes(tmp_path):
    repo = GitRepo(tmp_path / "r")
    base = repo.commit("old", {"old.env": f"T={fake_github_token(73)}\n"})
    new = repo.commit("new", {"new.env": f"T={fake_github_token(74)}\n"})

    def paths(*args: str) -> list[str]:
        result = run("git", str(repo.path), "--format", "json", *args)
        assert result.exit_code in (0, 1), result.output
        return [f["location"]["path"] for f in json.loads(result.output)["findings"]]

    assert paths() == ["new.env", "old.env"]
    assert paths("--range", f"{base}..{new}") == ["new.env"]
    assert paths("--since-commit", base) == ["new.env"]
    assert paths("--since-commit", new) == []
    assert paths("--staged") == []
    repo.write("staged.env", f"T={fake_github_token(75)}\n")
    repo.git("add", "staged.env")
    assert paths("--staged") == ["staged.env"]


def test_usage_errors_exit_2(tmp_path):
    repo = GitRepo(tmp_path / "r")
    repo.commit("one", {"a": "a\n"})
    assert run("git", str(tmp_path)).exit_code == 2  # not a repository
    assert run("git", str(repo.path), "--range", "nope..HEAD").exit_code == 2
    assert run("git", str(repo.path), "--range", "HEAD").exit_code == 2
    assert run("git", str(repo.path), "--staged", "--since-commit", "HEAD").exit_code == 2
    assert run("git", str(repo.path), "--branch", "no-such-branch").exit_code == 2


def test_staged_command_takes_paths_like_pre_commit_passes_them(tmp_path, monkeypatch):
    token = fake_github_token(76)
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"clean.py": "x = 1\n"})
    repo.write("leak.py", f"x = 1\nT = '{token}'\n")
    repo.git("add", "leak.py")
    monkeypatch.chdir(repo.path)
    result = run("staged", "clean.py")
    assert result.exit_code == 0
    result = run("staged", "clean.py", "leak.py")
    assert result.exit_code == 1 and "leak.py" in result.output and "2:6" in result.output


def _pushed_repo_and_shim(tmp_path: Path) -> tuple[GitRepo, str, str, Path]:
    """A repository whose last commit (the push) adds new.env after old.env, each with a token;
    and a directory holding a `leakscan` command that runs this checkout, for CI scripts."""
    repo = GitRepo(tmp_path / "r")
    before = repo.commit("old", {"old.env": f"T={fake_github_token(77)}\n"})
    after = repo.commit("push", {"new.env": f"T={fake_github_token(78)}\n"})
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "leakscan").write_text(f"#!/bin/sh\nexec '{sys.executable}' -m leakscan \"$@\"\n")
    (shim / "leakscan").chmod(0o755)
    return repo, before, after, shim


def test_action_scan_step_scans_the_pushed_range_and_writes_sarif(tmp_path):
    """Runs the composite action's scan script with the variables a push event sets."""
    (step,) = [s for s in yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"] if s.get("id") == "scan"]
    repo, before, after, shim = _pushed_repo_and_shim(tmp_path)
    outputs = tmp_path / "github_output"
    env = {**GIT_ENV, **{k: str(v) for k, v in step["env"].items()}, "RANGE": "", "BASELINE": "", "EXTRA_ARGS": "",
           "SARIF": str(tmp_path / "out.sarif"), "PR_BASE": "", "PR_HEAD": "", "BEFORE": before, "AFTER": after,
           "GITHUB_OUTPUT": str(outputs), "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo.path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert outputs.read_text().strip() == "exit-code=1"
    results = json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == ["new.env"]
    assert "::error file=new.env,line=1::" in proc.stdout


def _readme_gitlab_job() -> dict:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### GitLab CI"):]
    block = section[section.index("```yaml") + len("```yaml"):section.index("```", section.index("```yaml") + 7)]
    return yaml.safe_load(block)["leakscan"]


@pytest.mark.parametrize("event", ["push", "merge_request", "first push"])
def test_readme_gitlab_job_scans_what_the_pipeline_brings(tmp_path, event):
    """Runs the README's GitLab CI script with the variables GitLab sets for each kind of pipeline."""
    (script,) = _readme_gitlab_job()["script"]
    repo, before, after, shim = _pushed_repo_and_shim(tmp_path)
    variables = {"push": {"CI_COMMIT_BEFORE_SHA": before},
                 "merge_request": {"CI_MERGE_REQUEST_DIFF_BASE_SHA": before, "CI_COMMIT_BEFORE_SHA": "0" * 40},
                 "first push": {"CI_COMMIT_BEFORE_SHA": "0" * 40}}[event]
    env = {**GIT_ENV, **variables, "CI_COMMIT_SHA": after, "PYTHONPATH": str(ROOT),
           "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["sh", "-e", "-c", script], cwd=repo.path, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr  # findings fail the job
    report = json.loads((repo.path / "gl-secret-detection-report.json").read_text())
    files = sorted(v["location"]["file"] for v in report["vulnerabilities"])
    assert files == (["new.env", "old.env"] if event == "first push" else ["new.env"])
    assert (repo.path / "leakscan-junit.xml").read_text().count("<testcase") == len(files)
    assert "new.env" in proc.stdout  # the masked findings in the job log


def test_history_progress_shows_counts_and_findings_with_no_growing_total(capsys):
    from leakscan.cli.progress import history_progress

    with history_progress(True, mininterval=0) as update:
        assert update is not None
        update(3, 10, 0)
        update(4, 20, 2)
    err = capsys.readouterr().err
    assert "scanning history" in err and "7blob" in err.replace(" ", "")
    assert "20 listed" in err and "2 finding(s)" in err
    assert "/10" not in err and "/20" not in err  # no total that keeps growing
    with history_progress(False) as update:
        assert update is None


def test_staged_paths_are_relative_to_the_current_directory(tmp_path, monkeypatch):
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"sub/clean.py": "x = 1\n"})
    repo.write("sub/leak.py", f"T = '{fake_github_token(79)}'\n")
    repo.git("add", "sub/leak.py")
    monkeypatch.chdir(repo.path / "sub")
    result = run("staged", "leak.py", "--format", "json")
    assert [f["location"]["path"] for f in json.loads(result.output)["findings"]] == ["sub/leak.py"]


def test_an_archive_in_history_is_scanned_inside_once_per_blob(tmp_path):
    import io
    import zipfile

    token = fake_github_token(91)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("BOOT-INF/classes/application.properties", f"github.token={token}\n")
    repo = GitRepo(tmp_path / "r")
    (repo.path / "lib").mkdir(parents=True)
    (repo.path / "lib" / "app.jar").write_bytes(packed.getvalue())
    added = repo.commit("add the jar")
    repo.commit("unrelated", {"README.md": "docs\n"})  # the same jar blob in a second commit
    result = run("git", str(repo.path), "--format", "json")
    report = json.loads(result.output)
    assert [(f["location"]["path"], f["location"]["layers"], f["location"]["commit"], f["location"]["blob"])
            for f in report["findings"]] == [
        ("lib/app.jar!/BOOT-INF/classes/application.properties", ["zip"], added, repo.blob(f"{added}:lib/app.jar"))]
    assert token not in result.output
