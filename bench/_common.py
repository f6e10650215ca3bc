"""Shared helpers for the benchmark scripts (not part of the package)."""
from __future__ import annotations

import json
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


def run_cli(args: list[str], jobs: int | None = None) -> tuple[float, dict]:
    """Wall seconds and JSON report of one `leakscan ARGS` run in a fresh process."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [sys.executable, "-m", "leakscan", *args, "--format", "json", "--no-progress", "-o", out.name]
        if jobs:
            cmd += ["--jobs", str(jobs)]
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
        with open(out.name, encoding="utf-8") as handle:
            return elapsed, json.load(handle)
