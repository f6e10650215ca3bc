"""Pre-commit latency: `leakscan staged` on a one-file change, as the hook runs it on every commit.

    python bench/precommit.py [--runs 7]

Builds a small repository in /tmp (50 committed files, then one changed file
staged), and times the real CLI in a fresh process each run: median, best and
worst of RUNS. Also prints `python -X importtime` of the hook itself (the
ten slowest imports, cumulative, and whether phonenumbers was loaded), since
start-up is most of a hook's time. Where `gitleaks` or `betterleaks` is on PATH, their staged scans of the
same change run in the same invocation.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401 - the benchmarks' shared set-up (the checkout first on sys.path)

WORK = Path(tempfile.gettempdir()) / "leakscan-bench-precommit"


def git(*args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.invalid"}
    subprocess.run(["git", "-C", str(WORK), *args], check=True, capture_output=True, env=env)


def build() -> None:
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir()
    git("init", "-q")
    for i in range(50):
        (WORK / f"module_{i}.py").write_text(f'"""Module {i}."""\n\n' + f"def f{i}(x):\n    return x + {i}\n" * 40)
    git("add", "-A")
    git("commit", "-qm", "base")
    (WORK / "module_7.py").write_text('"""Module 7."""\n\nTIMEOUT = 30\nRETRIES = 3\n' * 20)
    git("add", "module_7.py")


def timed(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=WORK, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")
    return times


def show(name: str, times: list[float]) -> None:
    print(f"{name:<22} median {statistics.median(times):6.3f} s  best {min(times):6.3f} s  worst {max(times):6.3f} s")


def import_times() -> None:
    """`python -X importtime` of the hook itself (`leakscan staged` on the staged change), not just the CLI's
    import: what a commit pays for. Says whether phonenumbers was loaded (only a phone number needs it)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "leakscan", "staged", "--no-progress"],
                          cwd=WORK, capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    total = sum(us for us, name in rows if not name.startswith("  "))  # top-level imports: the whole tree
    phone = max((us for us, name in rows if name.strip() == "phonenumbers"), default=None)
    print(f"imports of `leakscan staged`: {total / 1e6:.3f} s cumulative; phonenumbers "
          + (f"imported ({phone / 1e6:.3f} s)" if phone is not None else "not imported") + "; slowest imports:")
    for us, name in sorted(rows, reverse=True)[:10]:
        print(f"  {us / 1e6:6.3f} s  {name.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    build()
    timed([sys.executable, "-m", "leakscan", "staged", "--no-progress"], 1)  # warm the rule and prefilter caches
    show("leakscan staged", timed([sys.executable, "-m", "leakscan", "staged", "--no-progress"], args.runs))
    for name, cmd in (("gitleaks", ["git", "--staged", "--no-banner", "--exit-code", "0", "."]),
                      ("betterleaks", ["git", "--staged", "--no-banner", "--exit-code", "0", "."])):
        binary = shutil.which(name)
        if binary:
            show(f"{name} staged", timed([binary, *cmd], args.runs))
        else:
            print(f"{name:<22} not installed")
    import_times()


if __name__ == "__main__":
    main()
