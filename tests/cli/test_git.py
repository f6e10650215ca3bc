"""`leakscan staged` (cli/git.py) loads and runs only what a one-file change needs (issue 20.3).

Each run is a fresh interpreter running the hook, which then reports the modules it holds and
the git processes it started: what a commit pays for, checked without timing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import leakscan

from ..conftest import fake_github_token
from ..gitrepo import GIT_ENV, GitRepo

ROOT = Path(leakscan.__file__).resolve().parent.parent
HOOK = """
import json, subprocess, sys
started = []
_init = subprocess.Popen.__init__
def recording(self, args, *rest, **kw):
    started.append([str(a) for a in args])
    _init(self, args, *rest, **kw)
subprocess.Popen.__init__ = recording
from leakscan.cli import cli
try:
    cli.main(["staged", "--no-progress", "--format", "json"], standalone_mode=False)
finally:
    import dataclasses
    undocumented = sorted(f"{name}.{cls.__name__}" for name, module in list(sys.modules.items())
                          if name.startswith("leakscan") for cls in vars(module).values()
                          if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == name
                          and (cls.__doc__ or "").startswith(cls.__name__ + "("))
    print(json.dumps({"modules": sorted(sys.modules), "started": started, "undocumented": undocumented}),
          file=sys.stderr)
"""
# Made lazy for the hook: each is imported by the code that needs it (a config file, --exclude,
# more than one job, an archive, a candidate to score, --baseline, an output file, a cache miss).
NOT_FOR_PLAIN_TEXT = (
    "yaml", "tomllib", "difflib", "multiprocessing", "sqlite3", "stdnum", "phonenumbers", "pathspec", "regex",
    "leakscan.sources.files",
    "leakscan.pipeline.archives", "leakscan.pipeline.findings", "leakscan.pipeline.decoded",
    "leakscan.analyzers.rule_files", "leakscan.scoring", "leakscan.masking.sanitize", "leakscan.engine.validators",
    "leakscan.suppression.baseline", "leakscan.store.findings_cache", "leakscan.store.walk_state",
    "leakscan.sources.containers",
)


def _hook(tmp_path: Path, name: str, text: str) -> tuple[dict, set[str], list[str]]:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {f"module_{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(5)})
    repo.write(name, text)
    repo.git("add", name)
    env = {**GIT_ENV, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", HOOK], cwd=repo.path, env=env, capture_output=True, text=True,
                          timeout=300)
    seen = json.loads(proc.stderr.strip().splitlines()[-1])
    # @dataclass writes a docstring from inspect.signature for a record without one, at each start-up.
    assert seen["undocumented"] == []
    gits = [_subcommand(argv) for argv in seen["started"] if os.path.basename(argv[0]) == "git"]
    return json.loads(proc.stdout), set(seen["modules"]), gits


def _subcommand(argv: list[str]) -> str:
    """git's subcommand: the first argument after the global options (and their `-c K=V` values)."""
    args = iter(argv[1:])
    for arg in args:
        if arg == "-c" or arg == "-C":
            next(args)
        elif not arg.startswith("-"):
            return arg
    return ""


def test_a_plain_text_change_loads_no_module_only_other_changes_need(tmp_path):
    report, modules, _ = _hook(tmp_path, "notes.txt", "Meeting moved to Thursday.\nBring the slides.\n")
    assert report["findings"] == [] and report["stats"]["files"] == 1  # the file was scanned
    assert "leakscan.pipeline.history" in modules
    assert sorted(m for m in NOT_FOR_PLAIN_TEXT if m in modules) == []


def test_a_staged_secret_loads_the_findings_stages_and_is_reported(tmp_path):
    report, modules, _ = _hook(tmp_path, "settings.py", f'GITHUB_TOKEN = "{fake_github_token()}"\n')
    assert [f["location"]["path"] for f in report["findings"]] == ["settings.py"]
    assert {"leakscan.pipeline.findings", "leakscan.scoring", "leakscan.masking.sanitize"} <= modules


def test_a_hook_without_configuration_files_runs_two_git_processes(tmp_path):
    """Open the repository (one rev-parse in a work tree), list the staged changes; the blob just
    staged is a loose object, read without cat-file. HEAD is resolved only when a configuration
    file is to be read from it."""
    _, _, gits = _hook(tmp_path, "notes.txt", "Meeting moved to Thursday.\n")
    assert gits == ["rev-parse", "diff"]


def test_a_configuration_file_is_read_from_head_with_two_more_git_processes(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit("config", {".leakscan.yaml": "min_confidence: 0.5\n"})
    _, modules, gits = _hook(tmp_path, "notes.txt", "Meeting moved to Thursday.\n")
    assert gits == ["rev-parse", "rev-parse", "cat-file", "diff"], gits
    assert "yaml" in modules
