"""Tree-scan speed: files, MB and MB/s of `leakscan scan`, with and without Hyperscan.

    python bench/speed.py [CORPUS] [--runs N] [--exclude GLOB ...]

CORPUS defaults to this Python's standard library with site-packages and
__pycache__ left out. Each run is the real CLI in a fresh process (start-up,
rule loading and the report included), as a user or CI runs it. Wall and CPU
seconds (every process: the CLI and its workers). PYTHONPATH=DIR measures the
leakscan installed in DIR (e.g. `pip install --no-deps --target DIR` of an
older revision) instead of this checkout.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sysconfig

from _common import run_cli


def run_once(corpus: str, excludes: list[str], hyperscan: bool, jobs: int | None) -> tuple[float, dict]:
    args = ["scan", corpus, *[arg for glob in excludes for arg in ("--exclude", glob)]]
    if not hyperscan:
        args.append("--no-hyperscan")
    return run_cli(args, jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--exclude", action="append", default=None)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--only", choices=["hyperscan", "keywords"], default=None)
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


def children_cpu() -> float:
    """User + system seconds of finished child processes (the CLI and its workers): on a shared
    machine CPU seconds vary far less with the load than wall seconds."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
