"""Shared helpers for the benchmark scripts (not part of the package)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_BENCH = REPO.parent / "shared" / "bench"
sys.path.insert(0, str(REPO))


def shorten(text: str, limit: int = 70) -> str:
    flat = text.replace("\n", "\\n")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def leakscan_command() -> list[str]:
    """`python -m leakscan` as an installed copy runs: `-P` keeps the working directory off sys.path, so
    PYTHONPATH=/tmp/site-old measures that build, not the checkout the script runs in."""
    return [sys.executable, "-P", "-m", "leakscan"]


def cli_env() -> dict[str, str]:
    """The environment with bytecode caching on: an installed package has its .pyc files; without
    them every fresh process compiles leakscan's modules again (0.2-0.4 s of CPU each)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


# Runs a command and writes that one child's CPU seconds and peak RSS (KiB) to a file, as JSON, so the
# figures belong to that command: ru_maxrss read in the bench itself would carry the bench's own
# high-water mark (Linux passes a parent's into a child it forks, up to the child's exec), and the
# wrapper's own 10 MB are not counted.
_MEASURED = """
import json, resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(json.dumps([usage.ru_utime + usage.ru_stime, usage.ru_maxrss]))
sys.exit(code)
"""


def measured(usage_file: str, cmd: list[str]) -> list[str]:
    """CMD run through the wrapper that writes its CPU seconds and peak RSS to `usage_file` (child_usage)."""
    return [sys.executable, "-c", _MEASURED, usage_file, *cmd]


def child_usage(usage_file: str) -> tuple[float, int]:
    """(CPU seconds, peak RSS in KiB) of the command `measured` ran; zeros if it never finished."""
    text = Path(usage_file).read_text()
    if not text:
        return 0.0, 0
    cpu, rss_kb = json.loads(text)
    return cpu, rss_kb


def run_cli(args: list[str], jobs: int | None = None) -> tuple[float, dict]:
    """Wall seconds and JSON report of one `leakscan ARGS` run in a fresh process."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [*leakscan_command(), *args, "--format", "json", "--no-progress", "-o", out.name]
        if jobs:
            cmd += ["--jobs", str(jobs)]
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=cli_env())
        elapsed = time.perf_counter() - started
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
        with open(out.name, encoding="utf-8") as handle:
            return elapsed, json.load(handle)
