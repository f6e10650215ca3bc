"""make_engine (cli/options.py) in the `leakscan` program: what lives until the exit is frozen (issue 20.3).

A hook's process spent 20 ms of its life in the collector's passes over the modules, rules and engine
at exit; each run here is a fresh interpreter, checked by what it reports, not by timing."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import leakscan

from ..conftest import fake_github_token
from ..gitrepo import GIT_ENV, GitRepo

ROOT = Path(leakscan.__file__).resolve().parent.parent
# The program as the console script runs it; after the command, a reference cycle with a finalizer
# (garbage made after the engine was built), and at exit what the collector was left.
PROGRAM = """
import atexit, gc, sys
from pathlib import Path

atexit.register(lambda: print("FROZEN", gc.get_freeze_count(), file=sys.stderr))


MARKER = Path(sys.argv[1])


class Cycle:
    def __del__(self):
        MARKER.write_text("finalized")


sys.argv[1:] = ["staged", "--no-progress"]
from leakscan.cli import main
try:
    main()
finally:
    cycle = Cycle()
    cycle.me = cycle
    del cycle
"""
IN_PROCESS = """
import gc, sys
from leakscan.cli import cli
try:
    cli.main(["staged", "--no-progress"], standalone_mode=False)
finally:
    print("FROZEN", gc.get_freeze_count(), file=sys.stderr)
"""


def _staged_token(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {"README.md": "A project.\n"})
    repo.write("settings.py", f'GITHUB_TOKEN = "{fake_github_token()}"\n')
    repo.git("add", "settings.py")
    return repo


def _frozen(stderr: str) -> int:
    (line,) = [line for line in stderr.splitlines() if line.startswith("FROZEN ")]
    return int(line.split()[1])


def test_the_program_freezes_what_lives_until_exit_and_still_finalizes_later_garbage(tmp_path):
    repo = _staged_token(tmp_path)
    marker = tmp_path / "finalized.txt"
    proc = subprocess.run([sys.executable, "-c", PROGRAM, str(marker)], cwd=repo.path,
                          env={**GIT_ENV, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr  # the token blocks the commit, as before
    assert "settings.py" in proc.stdout and fake_github_token() not in proc.stdout + proc.stderr
    assert _frozen(proc.stderr) > 1000  # modules, rules and engine: left out of the collector's passes
    assert marker.read_text() == "finalized"  # a cycle made after the freeze is collected at exit


def test_a_command_run_in_process_freezes_nothing(tmp_path):
    """A test's CliRunner (or any caller of cli.main) keeps its process: nothing is frozen for it."""
    repo = _staged_token(tmp_path)
    proc = subprocess.run([sys.executable, "-c", IN_PROCESS], cwd=repo.path, env={**GIT_ENV, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)
    assert "settings.py" in proc.stdout
    assert _frozen(proc.stderr) == 0
