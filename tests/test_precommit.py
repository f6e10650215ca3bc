"""The pre-commit hook, driven by the real `pre-commit` package in a temporary repository."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import leakscan

from .conftest import fake_github_token
from .gitrepo import GIT_ENV, GitRepo

ROOT = Path(leakscan.__file__).resolve().parent.parent
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"


def _published_hook() -> dict:
    (hook,) = [h for h in yaml.safe_load(HOOKS_FILE.read_text()) if h["id"] == "leakscan"]
    return hook


def _env(tmp_path: Path) -> dict[str, str]:
    return {**GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _commit(repo: GitRepo, env: dict[str, str], message: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "commit", "-m", message], cwd=repo.path, env=env, capture_output=True, text=True)


def _install(repo: GitRepo, config: dict, env: dict[str, str]) -> None:
    (repo.path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    repo.git("add", ".pre-commit-config.yaml")
    repo.git("commit", "-q", "-m", "pre-commit config")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo.path, env=env, check=True,
                   capture_output=True)


def _blocks_secret_and_passes_clean_commit(repo: GitRepo, env: dict[str, str]) -> None:
    token = fake_github_token(51)
    repo.write("app/settings.py", f"DEBUG = False\n\nGITHUB_TOKEN = '{token}'\n")
    repo.write("README.md", "docs\n")
    repo.git("add", "-A")
    blocked = _commit(repo, env, "add settings")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "app/settings.py" in output and "3:17" in output and "ghp_****" in output
    assert token not in output
    # how to fix, ignore (inline comment or baseline) or bypass
    for words in ("commit blocked", "fix:", "leakscan:ignore", "baseline", "git commit --no-verify"):
        assert words in output
    assert repo.git("rev-list", "--count", "HEAD").strip() == "1"  # nothing was committed
    repo.write("app/settings.py", "import os\n\nGITHUB_TOKEN = os.environ['GITHUB_TOKEN']\n")
    repo.git("add", "-A")
    passed = _commit(repo, env, "settings from the environment")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert repo.git("rev-list", "--count", "HEAD").strip() == "2"


def test_published_hook_definition():
    hook = _published_hook()
    assert hook["entry"] == "leakscan staged" and hook["language"] == "python"
    assert hook["pass_filenames"] is True and "pre-commit" in hook["stages"]


def test_pre_commit_blocks_a_secret_and_passes_a_clean_commit(tmp_path):
    """The published hook's fields, run from this checkout (`language: system`, so no install, no network)."""
    hook = {**_published_hook(), "language": "system"}
    hook["entry"] = hook["entry"].replace("leakscan", f"{sys.executable} -m leakscan", 1)
    repo = GitRepo(tmp_path / "project")
    env = _env(tmp_path)
    _install(repo, {"repos": [{"repo": "local", "hooks": [hook]}]}, env)
    _blocks_secret_and_passes_clean_commit(repo, env)


@pytest.mark.skipif(os.environ.get("LEAKSCAN_TEST_PRECOMMIT_INSTALL") != "1",
                    reason="installs leakscan with pip into pre-commit's virtualenv; "
                           "set LEAKSCAN_TEST_PRECOMMIT_INSTALL=1")
def test_pre_commit_installs_the_published_hook_from_a_repository(tmp_path):
    """As users run it: `repo:` a clone of this checkout, `language: python` (pip installs the package)."""
    source = GitRepo(tmp_path / "leakscan-src")
    shutil.copytree(ROOT, source.path, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", "build", ".pytest_cache"))
    rev = source.commit("snapshot")
    repo = GitRepo(tmp_path / "project")
    env = _env(tmp_path)
    env.pop("PYTHONPATH")
    _install(repo, {"repos": [{"repo": source.path.as_uri(), "rev": rev, "hooks": [{"id": "leakscan"}]}]}, env)
    _blocks_secret_and_passes_clean_commit(repo, env)
