"""Tree-scan speed: files, MB and MB/s of `leakscan scan`, with and without Hyperscan.

    python bench/speed.py [CORPUS] [--runs N] [--exclude GLOB ...]

CORPUS defaults to this Python's standard library with site-packages and
__pycache__ left out. Each run is the real CLI in a fresh process (start-up,
rule loading and the report included), as a user or CI runs it. Wall and CPU
seconds (every process: the CLI and its workers). PYTHONPATH=DIR measures the
leakscan installed in DIR (e.g. `pip install --no-deps --target DIR` of an
older revision) instead of this checkout.

Peers found on PATH (gitleaks, betterleaks, kingfisher; e.g. `pip install
--target DIR kingfisher-bin` outside the project, then PATH=DIR/bin:$PATH) scan
the same corpus with the same exclusions in the same invocation, interleaved
with leakscan's runs, and the ratio of leakscan's best wall time to each
peer's is printed (issue 20 asks for at most 0.5 against the fastest).
"""
from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sysconfig
import time

from _common import run_cli


def run_once(corpus: str, excludes: list[str], hyperscan: bool, jobs: int | None) -> tuple[float, dict]:
    args = ["scan", corpus, *[arg for glob in excludes for arg in ("--exclude", glob)]]
    if not hyperscan:
        args.append("--no-hyperscan")
    return run_cli(args, jobs)


def peer_command(name: str, binary: str, corpus: str, excludes: list[str]) -> list[str]:
    """The peer's directory scan, no network, findings to /dev/null: only its time is compared."""
    if name == "kingfisher":
        skips = [arg for glob in excludes for arg in ("--exclude", glob.rstrip("/"))]
        return [binary, "scan", corpus, "--no-validate", "--git-history", "none", "--format", "json",
                "--output", "/dev/null", "-q", "--no-update-check", *skips]
    # gitleaks and Betterleaks share the `dir` command; they read no exclusion flag, so a .gitleaksignore-free run
    return [binary, "dir", corpus, "--no-banner", "--exit-code", "0", "--max-target-megabytes", "0",
            "--report-path", "/dev/null"]


def run_peer(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one peer run."""
    cpu_before = children_cpu()
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 200, 205):  # Kingfisher exits 200 or 205 when it finds something
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
    return elapsed, children_cpu() - cpu_before


def compare_peers(args: argparse.Namespace, excludes: list[str], leakscan_best: float) -> None:
    for name in ("gitleaks", "betterleaks", "kingfisher"):
        binary = shutil.which(name)
        if not binary:
            print(f"{name:<10} not installed")
            continue
        cmd = peer_command(name, binary, args.corpus, excludes)
        run_peer(cmd)  # warm its caches as leakscan's were
        times, cpus = [], []
        for _ in range(args.runs):
            elapsed, cpu = run_peer(cmd)
            run_once(args.corpus, excludes, True, args.jobs)  # interleaved: load changes hit both alike
            times.append(elapsed)
            cpus.append(cpu)
        best = min(times)
        print(f"{name:<10} best {best:6.2f}s  median {statistics.median(times):6.2f}s  cpu best {min(cpus):6.2f}s  "
              f"leakscan/{name} {leakscan_best / best:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--exclude", action="append", default=None)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--only", choices=["hyperscan", "keywords"], default=None)
    parser.add_argument("--no-peers", action="store_true", help="do not run gitleaks/betterleaks/kingfisher")
    args = parser.parse_args()
    excludes = args.exclude if args.exclude is not None else ["site-packages/", "__pycache__/"]
    modes = [m for m in ("hyperscan", "keywords") if args.only in (None, m)]
    print(f"corpus: {args.corpus}  excludes: {excludes}  runs: {args.runs}")
    for mode in modes:
        run_once(args.corpus, excludes, mode == "hyperscan", args.jobs)  # warm the page cache and HS cache
        times, cpus, report = [], [], {}
        for _ in range(args.runs):
            cpu_before = children_cpu()
            elapsed, report = run_once(args.corpus, excludes, mode == "hyperscan", args.jobs)
            times.append(elapsed)
            cpus.append(children_cpu() - cpu_before)
        stats = report["stats"]
        mb = stats["bytes"] / 1e6
        best, median = min(times), statistics.median(times)
        print(f"{mode:<10} files {stats['files']:>6}  {mb:8.1f} MB  best {best:6.2f}s  median {median:6.2f}s  "
              f"{mb / best:7.1f} MB/s  cpu best {min(cpus):6.2f}s  median {statistics.median(cpus):6.2f}s  "
              f"findings {len(report['findings'])}  errors {stats['errors']}")
        if mode == "hyperscan" and not args.no_peers:
            compare_peers(args, excludes, best)


def children_cpu() -> float:
    """User + system seconds of finished child processes (the CLI and its workers): on a shared
    machine CPU seconds vary far less with the load than wall seconds."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
