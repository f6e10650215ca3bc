"""Configuration that a scanned change adds or modifies is not applied to it (issue 19.12)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.pipeline.config_trust import NOT_APPLIED

from .conftest import fake_github_token
from .gitrepo import GitRepo


def git_scan(repo: GitRepo, *args: str):
    result = CliRunner().invoke(cli, ["git", str(repo.path), *args, "--no-progress", "--format", "json"],
                                catch_exceptions=False)
    return result.exit_code, json.loads(result.output)


def notices(report: dict) -> list[tuple[str, str]]:
    return [(e["path"], e["message"]) for e in report["errors"] if e["message"].startswith(NOT_APPLIED)]


@pytest.fixture
def repo(tmp_path, monkeypatch) -> GitRepo:
    repo = GitRepo(tmp_path / "r")
    repo.commit("base", {"app.py": "print('hello')\n"})
    monkeypatch.chdir(repo.path)  # where a CI job runs it: config is found in the checkout
    return repo


def test_a_change_that_adds_an_allow_all_config_is_still_scanned(repo):
    base = repo.head()
    head = repo.commit("pr", {".leakscan.yaml": "allow_paths: ['*']\n",
                              "deploy.sh": f"export GH_TOKEN={fake_github_token(301)}\n"})
    code, report = git_scan(repo, "--range", f"{base}..{head}")
    assert code == 1
    assert [f["location"]["path"] for f in report["findings"]] == ["deploy.sh"]
    assert notices(report) == [(".leakscan.yaml", f"{NOT_APPLIED}: the base revision {base[:12]} does not have it")]
    # The same config, committed before the range, applies: it is the base's.
    later = repo.commit("more", {"other.sh": f"export GH_TOKEN={fake_github_token(302)}\n"})
    code, report = git_scan(repo, "--range", f"{head}..{later}")
    assert code == 0 and report["findings"] == [] and notices(report) == []


def test_a_modified_config_is_read_from_the_base_revision(repo):
    repo.commit("config", {".leakscan.yaml": "allow_paths: ['tests/*']\n"})
    base = repo.head()
    head = repo.commit("pr", {".leakscan.yaml": "allow_paths: ['tests/*', 'deploy/*']\n",
                              "deploy/env.sh": f"T={fake_github_token(303)}\n",
                              "tests/fixture.sh": f"T={fake_github_token(304)}\n"})
    code, report = git_scan(repo, "--range", f"{base}..{head}")
    assert code == 1
    assert [f["location"]["path"] for f in report["findings"]] == ["deploy/env.sh"]  # tests/* stays allowed
    assert notices(report) == [(".leakscan.yaml", f"{NOT_APPLIED}: it differs from the base revision "
                                                  f"{base[:12]}, whose version is used")]
    code, report = git_scan(repo, "--since-commit", base)
    assert code == 1 and len(notices(report)) == 1


def test_a_baseline_the_change_edits_does_not_hide_its_secret(repo):
    def create_baseline() -> None:
        result = CliRunner().invoke(cli, ["baseline", "create", str(repo.path), "-o", ".leakscan-baseline.json",
                                          "--no-progress"], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    create_baseline()  # nothing to accept yet
    base = repo.commit("config", {".leakscan.yaml": "baseline: .leakscan-baseline.json\n"})
    repo.write("deploy.sh", f"T={fake_github_token(305)}\n")
    create_baseline()  # the pull request accepts its own secret
    head = repo.commit("pr")
    assert "deploy.sh" in (repo.path / ".leakscan-baseline.json").read_text()
    code, report = git_scan(repo, "--range", f"{base}..{head}")
    assert code == 1 and [f["location"]["path"] for f in report["findings"]] == ["deploy.sh"]
    assert [p for p, _ in notices(report)] == [".leakscan-baseline.json"]
    # Named on the command line, it is taken from the base revision all the same.
    code, report = git_scan(repo, "--range", f"{base}..{head}", "--baseline", ".leakscan-baseline.json")
    assert code == 1 and [p for p, _ in notices(report)] == [".leakscan-baseline.json"]


def test_pyproject_changes_outside_tool_leakscan_are_not_reported(repo):
    repo.commit("config", {"pyproject.toml": "[project]\nname = 'x'\n\n[tool.leakscan]\nmin_confidence = 0.99\n"})
    base = repo.head()
    head = repo.commit("pr", {"pyproject.toml": "[project]\nname = 'y'\n\n[tool.leakscan]\nmin_confidence = 0.99\n",
                              "deploy.sh": f"T={fake_github_token(306)}\n"})
    code, report = git_scan(repo, "--range", f"{base}..{head}")
    assert notices(report) == []
    assert code == 0  # the base's min_confidence 0.99 applies


def test_staged_scans_use_the_committed_config(repo):
    repo.commit("config", {".leakscan.yaml": "exclude: ['vendor/']\n"})
    repo.write(".leakscan.yaml", "exclude: ['vendor/', 'deploy/']\n")
    repo.write("deploy/env.sh", f"T={fake_github_token(307)}\n")
    repo.write("vendor/lib.sh", f"T={fake_github_token(308)}\n")
    repo.git("add", "-A")
    code, report = git_scan(repo, "--staged")
    assert code == 1 and [f["location"]["path"] for f in report["findings"]] == ["deploy/env.sh"]
    assert [p for p, _ in notices(report)] == [".leakscan.yaml"]


def test_whole_history_ignores_a_found_config_but_applies_one_named(repo):
    repo.commit("pr", {".leakscan.yaml": "allow_paths: ['*']\n", "deploy.sh": f"T={fake_github_token(309)}\n"})
    code, report = git_scan(repo)
    assert code == 1 and [p for p, _ in notices(report)] == [".leakscan.yaml"]
    code, report = git_scan(repo, "--config", ".leakscan.yaml")  # the operator's explicit choice
    assert code == 0 and notices(report) == []


def test_config_outside_the_repository_applies_as_it_is(repo, tmp_path):
    outside = tmp_path / "ci.yaml"
    outside.write_text("allow_paths: ['deploy.sh']\n")
    base = repo.head()
    head = repo.commit("pr", {"deploy.sh": f"T={fake_github_token(310)}\n"})
    code, report = git_scan(repo, "--range", f"{base}..{head}", "--config", str(outside))
    assert code == 0 and notices(report) == []
