"""A repository whose config, hooks and attributes try to run code: leakscan runs none of it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.sources.git.safe import GitRunner, safe_env

from ..conftest import fake_github_token
from ..gitrepo import GIT_ENV, GitRepo

VECTORS = ("fsmonitor", "pager", "diff-external", "textconv", "filter-clean", "filter-smudge", "filter-process",
           "gpg", "ssh", "proxy", "askpass", "credential", "editor", "promisor-fetch", "hook")
HOOKS = ("pre-commit", "post-commit", "post-checkout", "post-index-change", "reference-transaction",
         "pre-auto-gc", "post-rewrite", "fsmonitor-watchman", "push-to-checkout", "pre-push")


def _evil(bin_dir: Path, markers: Path, name: str) -> str:
    script = bin_dir / f"evil-{name}"
    script.write_text(f"#!/bin/sh\ntouch '{markers}/{name}'\ncat >/dev/null 2>&1 &\nexit 0\n")
    script.chmod(0o755)
    return str(script)


@pytest.fixture
def hostile(tmp_path):
    """The repository, its marker directory, the secret it holds and a missing blob's id."""
    markers, bin_dir = tmp_path / "markers", tmp_path / "bin"
    markers.mkdir()
    bin_dir.mkdir()
    evil = {name: _evil(bin_dir, markers, name) for name in VECTORS}
    token = fake_github_token(41)
    repo = GitRepo(tmp_path / "hostile")
    repo.commit("one", {"app.py": f"TOKEN = '{token}'\n", "lost.txt": "soon gone\n", "notes.txt": "v1\n"})
    lost = repo.blob("HEAD:lost.txt")
    repo.commit("two", {"notes.txt": "v2\n", ".gitattributes": "* diff=evil filter=evil\n"})
    _add_signed_commit(repo)
    hooks = repo.path / ".git" / "hooks"
    settings = {
        "core.fsmonitor": evil["fsmonitor"], "core.pager": evil["pager"], "pager.log": evil["pager"],
        "diff.external": evil["diff-external"], "diff.evil.textconv": evil["textconv"],
        "filter.evil.clean": evil["filter-clean"], "filter.evil.smudge": evil["filter-smudge"],
        "filter.evil.process": evil["filter-process"], "filter.evil.required": "true",
        "gpg.program": evil["gpg"], "log.showSignature": "true", "core.sshCommand": evil["ssh"],
        "core.gitProxy": evil["proxy"], "core.askPass": evil["askpass"],
        "credential.helper": "!" + evil["credential"], "core.editor": evil["editor"],
        "core.hooksPath": str(hooks), "core.untrackedCache": "true",
        # A promisor remote: git fetches missing objects from it on demand, via a command.
        "core.repositoryformatversion": "1", "extensions.partialClone": "origin", "remote.origin.promisor": "true",
        "remote.origin.url": f"ext::sh -c {evil['promisor-fetch']}", "protocol.ext.allow": "always",
        "protocol.allow": "always",
    }
    # Staged content: a new file with a secret, and one whose object will be missing (reading it
    # would mean a lazy fetch from the promisor remote).
    staged_lost = _hash(repo, "staged but gone\n")
    repo.git("update-index", "--add", "--cacheinfo", f"100644,{staged_lost},gone.txt")
    new_py = _hash(repo, f"T2 = '{fake_github_token(42)}'\n")
    repo.git("update-index", "--add", "--cacheinfo", f"100644,{new_py},new.py")
    for key, value in settings.items():
        repo.git("config", key, value)
    for hook in HOOKS:  # armed last: building the repository must not fire them
        (hooks / hook).write_text(f"#!/bin/sh\ntouch '{markers}/hook'\n")
        (hooks / hook).chmod(0o755)
    repo.loose_object(lost).unlink()
    repo.loose_object(staged_lost).unlink()
    return repo, markers, token, lost


def _hash(repo: GitRepo, text: str) -> str:
    return repo.git("hash-object", "-w", "--stdin", "--no-filters", input=text.encode()).strip()


def _add_signed_commit(repo: GitRepo) -> None:
    """A commit carrying a (fake) gpgsig header: with log.showSignature git would run gpg.program on it."""
    tree = repo.git("rev-parse", "HEAD^{tree}").strip()
    body = (f"tree {tree}\nparent {repo.head()}\nauthor A <a@example.com> 1704500000 +0000\n"
            f"committer A <a@example.com> 1704500000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n"
            f" iQEzBAABCAAdFiEEfake\n -----END PGP SIGNATURE-----\n\nsigned\n")
    sha = repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=body.encode()).strip()
    repo.git("update-ref", "refs/heads/main", sha)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_nothing_in_a_hostile_repository_runs(hostile, monkeypatch):
    repo, markers, token, lost = hostile
    monkeypatch.chdir(repo.path)
    code, out = _run("git", str(repo.path), "--format", "json", "--no-progress")
    assert code == 1
    report = json.loads(out)
    assert {f["location"]["path"] for f in report["findings"]} == {"app.py"}
    assert any(lost in e["message"] for e in report["errors"])  # listed, never fetched
    code, out = _run("git", str(repo.path), "--staged", "--format", "json", "--no-progress")
    staged = json.loads(out)
    assert [f["location"]["path"] for f in staged["findings"]] == ["new.py"]
    assert [e["path"] for e in staged["errors"]] == ["gone.txt"]  # missing, not lazily fetched
    _run("staged", "app.py", "gone.txt", "new.py", "--no-progress")
    _run("git", str(repo.path), "--range", "HEAD~2..HEAD", "--no-progress")
    _run("git", str(repo.path), "--since-commit", "HEAD~1", "--branch", "main", "--no-progress")
    _run("baseline", "create", str(repo.path), "--history", "-o", str(repo.path.parent / "b.json"), "--no-progress")
    assert sorted(p.name for p in markers.iterdir()) == []


# Each vector fires under plain git, so the test above is not passing because the traps are duds.
# (The diff controls switch off the long-running filter, which would otherwise fire first and abort.)
_NO_PROCESS_FILTER = ["-c", "filter.evil.process=", "-c", "filter.evil.required=false"]
CONTROLS = {
    "fsmonitor": ["status"],
    "filter-process": ["diff", "HEAD~2", "HEAD~1"],
    "diff-external": [*_NO_PROCESS_FILTER, "diff", "HEAD~2", "HEAD~1"],
    "textconv": [*_NO_PROCESS_FILTER, "diff", "--no-ext-diff", "HEAD~2", "HEAD~1"],
    "gpg": ["log", "-1"],
    "hook": ["update-ref", "refs/heads/control", "HEAD"],  # the reference-transaction hook
    "promisor-fetch": ["cat-file", "-p", "{lost}"],
}


@pytest.mark.parametrize("vector", sorted(CONTROLS))
def test_the_traps_fire_under_plain_git(hostile, tmp_path, vector):
    repo, markers, _, lost = hostile
    args = [a.format(lost=lost) for a in CONTROLS[vector]]
    subprocess.run(["git", *args], cwd=repo.path, env=GIT_ENV, capture_output=True, timeout=30,
                   stdin=subprocess.DEVNULL)
    assert (markers / vector).exists(), f"plain `git {' '.join(args)}` did not trigger {vector}"


def test_safe_environment_drops_user_settings_and_keeps_hook_index():
    env = safe_env({"PATH": "/usr/bin", "HOME": "/home/me", "GIT_DIR": "/elsewhere", "GIT_EXTERNAL_DIFF": "x",
                    "GIT_INDEX_FILE": "rel/index.lock", "GIT_SSH_COMMAND": "evil", "XDG_CONFIG_HOME": "/x"})
    assert env["HOME"] == os.devnull and env["GIT_CONFIG_NOSYSTEM"] == "1" and env["GIT_ALLOW_PROTOCOL"] == ""
    assert not {"GIT_DIR", "GIT_EXTERNAL_DIFF", "GIT_SSH_COMMAND", "XDG_CONFIG_HOME"} & set(env)
    assert env["GIT_INDEX_FILE"] == os.path.abspath("rel/index.lock")
    argv = GitRunner("/r/.git", "/r", executable=shutil.which("git") or "git").argv(["log"])
    assert "core.hooksPath=/dev/null" in argv and "core.fsmonitor=false" in argv and argv[-1] == "log"
