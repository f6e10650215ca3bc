"""`leakscan staged` on a one-file change imports what that change needs: phonenumbers only for a phone number."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import leakscan

from .conftest import fake_github_token
from .gitrepo import GIT_ENV, GitRepo

ROOT = Path(leakscan.__file__).resolve().parent.parent
# The hook's own process: the CLI run in a fresh interpreter, then which modules it loaded.
HOOK = """
import sys
from leakscan.cli import cli
try:
    cli.main(["staged", "--no-progress", "--format", "json"], standalone_mode=False)
finally:
    print("LOADED", " ".join(sorted(sys.modules)), file=sys.stderr)
"""


def _staged_run(tmp_path: Path, name: str, text: str) -> tuple[dict, set[str]]:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {f"module_{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(5)})
    repo.write(name, text)
    repo.git("add", name)
    env = {**GIT_ENV, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", HOOK], cwd=repo.path, env=env, capture_output=True, text=True,
                          timeout=300)
    (loaded,) = [line for line in proc.stderr.splitlines() if line.startswith("LOADED ")]
    return json.loads(proc.stdout), set(loaded.split()[1:])


def test_a_staged_token_is_found_without_importing_phonenumbers(tmp_path):
    report, modules = _staged_run(tmp_path, "settings.py", f'GITHUB_TOKEN = "{fake_github_token()}"\n')
    assert [f["location"]["path"] for f in report["findings"]] == ["settings.py"]  # the scan did run
    assert "leakscan.engine.pii_checks" in modules  # the PII checks are there, their phone library is not
    assert "phonenumbers" not in modules


def test_a_staged_phone_number_imports_phonenumbers_to_check_it(tmp_path):
    _, modules = _staged_run(tmp_path, "contacts.json", '{"name": "Jan", "phone": "+49 30 901820"}\n')
    assert "phonenumbers" in modules
