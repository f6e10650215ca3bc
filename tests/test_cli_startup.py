"""Start-up (issue 20.3): `import leakscan.cli` and `leakscan staged` load only what they need.

Checked by the modules a fresh interpreter holds, not by timing: robust on a loaded machine."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("git", "detect_secrets", "phonenumbers", "stdnum", "hyperscan", "re2", "yaml", "tqdm", "pathspec",
         "regex", "leakscan.engine", "leakscan.pipeline", "leakscan.analyzers", "leakscan.config")


def _modules_after(code: str, cwd: Path) -> set[str]:
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    proc = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def test_importing_the_cli_loads_no_heavy_module(tmp_path):
    modules = _modules_after("import leakscan.cli", tmp_path)
    assert "leakscan.cli" in modules and "click" in modules
    loaded = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert loaded == []


def test_staged_scan_of_plain_text_loads_neither_other_commands_nor_document_scanners(tmp_path):
    _git(tmp_path, "init", "-q")
    (tmp_path / "settings.py").write_text("TIMEOUT = 30\n")
    _git(tmp_path, "add", "settings.py")
    _git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "settings.py").write_text("TIMEOUT = 30\nRETRIES = 3\n")
    _git(tmp_path, "add", "settings.py")
    code = ("import sys, leakscan.cli as c\nsys.argv = ['leakscan', 'staged', '--no-progress']\n"
            "try:\n    c.main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n")
    modules = _modules_after(code, tmp_path)
    assert "leakscan.pipeline.history" in modules  # the staged scan did run
    for absent in ("leakscan.cli.spec", "leakscan.cli.mask", "leakscan.cli.baseline", "leakscan.cli.rules",
                   "leakscan.pipeline.tree", "leakscan.analyzers.capture", "leakscan.analyzers.spec", "tqdm",
                   "detect_secrets"):
        assert absent not in modules, absent
