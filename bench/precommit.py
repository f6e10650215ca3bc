"""Pre-commit latency: `leakscan staged` on a one-file change, as the hook runs it on every commit.

    python bench/precommit.py [--runs 7]

Builds a small repository in /tmp (50 committed files, then one changed file
staged), and times the real CLI in a fresh process each run: median, best and
worst of RUNS. Also prints `python -X importtime` of the hook itself (the
ten slowest imports, cumulative, and whether phonenumbers was loaded), since
start-up is most of a hook's time. Where `gitleaks`, `betterleaks` or `kingfisher` is on PATH, their staged
scans of the same change run in the same invocation (Kingfisher with `--no-validate --no-update-check`: no
network). `--site DIR` (repeatable) measures the build installed in
DIR (`pip install --no-deps --target DIR .`) instead of the installed package; several builds run
interleaved, run by run, so that a loaded machine slows them alike. The floor is printed too: the
interpreter starting and doing nothing, with its site packages (`python -c pass`: here a .pth that
imports certifi) and without (`python -S -c pass`).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from _common import cli_env, leakscan_command

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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _env(site: str | None) -> dict[str, str]:
    env = cli_env()
    if site:
        env["PYTHONPATH"] = site
    return env


def timed(cmd: list[str], runs: int, sites: list[str | None]) -> list[tuple[list[float], list[float]]]:
    """Wall and CPU seconds (user + system, the process and its git children) of each run, per site;
    the sites take turns."""
    measured: list[tuple[list[float], list[float]]] = [([], []) for _ in sites]
    for _ in range(runs):
        for site, (times, cpu) in zip(sites, measured, strict=True):
            started, cpu_before = time.perf_counter(), _children_cpu()
            proc = subprocess.run(cmd, cwd=WORK, capture_output=True, text=True, env=_env(site))
            times.append(time.perf_counter() - started)
            cpu.append(_children_cpu() - cpu_before)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")
    return measured


def show(name: str, measured: tuple[list[float], list[float]]) -> None:
    times, cpu = measured
    print(f"{name:<22} median {statistics.median(times):6.3f} s  best {min(times):6.3f} s  worst {max(times):6.3f} s"
          f"  (CPU median {statistics.median(cpu):6.3f} s)")


def import_times(site: str | None) -> None:
    """`python -X importtime` of the hook itself (`leakscan staged` on the staged change), not just the CLI's
    import: what a commit pays for. Says whether phonenumbers was loaded (only a phone number needs it)."""
    python, *rest = leakscan_command()
    proc = subprocess.run([python, "-X", "importtime", *rest, "staged", "--no-progress"],
                          cwd=WORK, capture_output=True, text=True, env=_env(site))
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    total = sum(us for us, name in rows if not name.startswith("  "))  # top-level imports: the whole tree
    phone = max((us for us, name in rows if name.strip() == "phonenumbers"), default=None)
    print(f"imports of `leakscan staged`{f' ({site})' if site else ''}: {total / 1e6:.3f} s cumulative; phonenumbers "
          + (f"imported ({phone / 1e6:.3f} s)" if phone is not None else "not imported") + "; slowest imports:")
    for us, name in sorted(rows, reverse=True)[:10]:
        print(f"  {us / 1e6:6.3f} s  {name.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--site", action="append", default=[], metavar="DIR",
                        help="measure the build installed in DIR (repeatable: the builds take turns)")
    args = parser.parse_args()
    build()
    sites: list[str | None] = list(args.site) or [None]
    staged = [*leakscan_command(), "staged", "--no-progress"]
    timed(staged, 1, sites)  # warm the rule and prefilter caches
    ours = timed(staged, args.runs, sites)
    for site, measured in zip(sites, ours, strict=True):
        show(f"leakscan staged{f' ({site})' if site else ''}", measured)
    python = leakscan_command()[0]
    for flags in (["-c"], ["-S", "-c"]):  # the floor: the interpreter alone, with and without site
        show(f"python {' '.join(flags)} pass", timed([python, *flags, "pass"], args.runs, [None])[0])
    for name, cmd in (("gitleaks", ["git", "--staged", "--no-banner", "--exit-code", "0", "."]),
                      ("betterleaks", ["git", "--staged", "--no-banner", "--exit-code", "0", "."]),
                      ("kingfisher", ["scan", ".", "--staged", "--no-validate", "--no-update-check"])):
        binary = shutil.which(name)
        if binary:
            peer = timed([binary, *cmd], args.runs, [None])[0]
            show(f"{name} staged", peer)
            for site, (times, _) in zip(sites, ours, strict=True):  # each build against the peer
                ratio = statistics.median(times) / statistics.median(peer[0])
                print(f"{'':<22} leakscan staged{f' ({site})' if site else ''} / {name}: {ratio:.2f}x (medians, wall)")
        else:
            print(f"{name:<22} not installed")
    for site in sites:
        import_times(site)


if __name__ == "__main__":
    main()
