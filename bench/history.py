"""Whole-history scan speed and memory: `leakscan git REPO` against git's own floor.

    python bench/history.py REPO [--runs N] [-- EXTRA LEAKSCAN ARGS]

Prints, for the real CLI in a fresh process (start-up, rule loading, the
introducing-commit lookup and the report included): seconds (wall), CPU
seconds of leakscan and every process under it (workers, git), blobs, MB,
MB/s, and peak memory two ways: the largest single process (ru_maxrss of
the children) and the largest sum of PSS over the whole process tree,
sampled every 50 ms. The floor is `git cat-file --batch-all-objects --batch`
on the same repository (every object, decompressed, written to /dev/null),
and, for reference, reading just the blobs leakscan reads (rev-list piped
into one cat-file). No repository is modified.

Without REPO it builds (once) the synthetic history of bench/make_history.py.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import REPO, child_usage, cli_env, leakscan_command, measured

SYNTHETIC = Path(tempfile.gettempdir()) / "leakscan-bench-history"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_pss(root: int, with_root: bool = True) -> int:
    """Bytes of PSS of `root` (unless not `with_root`) and all its descendants (shared pages
    counted once overall)."""
    total = 0
    for pid in _descendants(root) | ({root} if with_root else set()):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def _descendants(root: int) -> set[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    found, stack = set(), [root]
    while stack:
        for child in parents.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def timed(cmd: list[str], with_root: bool = True, **kw) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak tree PSS of a command run to completion
    (without the command's own process unless `with_root`: a wrapper's, say)."""
    cpu_before = children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, **kw)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], tree_pss(proc.pid, with_root))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if code not in (0, 1):
        raise SystemExit(f"{cmd[:4]} failed with exit status {code}")
    return elapsed, children_cpu() - cpu_before, peak[0]


def floor(repo: str) -> tuple[float, float]:
    with open(os.devnull, "wb") as sink:
        wall, cpu, _ = timed(["git", "-C", repo, "cat-file", "--batch-all-objects", "--batch"], stdout=sink)
    return wall, cpu


def blob_floor(repo: str) -> tuple[float, float]:
    script = ("git -C \"$1\" rev-list --objects --missing=print --filter=object:type=blob --branches --tags --remotes "
              "| grep -v '^?' | cut -d' ' -f1 | git -C \"$1\" cat-file --batch > /dev/null")
    wall, cpu, _ = timed(["sh", "-c", script, "sh", repo])
    return wall, cpu


def scan(repo: str, extra: list[str]) -> tuple[float, float, int, int, dict]:
    """Wall, CPU, peak tree PSS, largest single process RSS (bytes) and the JSON report."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out, tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        cmd = [*leakscan_command(), "git", repo, "--format", "json", "--no-progress", "-o", out.name]
        # The figure belongs to that one scan (not to the warm-up or to git's floor).
        wall, cpu, pss = timed(measured(rss.name, [*cmd, *extra]), with_root=False, cwd=REPO, env=cli_env())
        largest = child_usage(rss.name)[1] * 1024
        return wall, cpu, pss, largest, json.load(open(out.name, encoding="utf-8"))


def warm_up(extra: list[str]) -> None:
    """Build the Hyperscan cache for these rule options on a tiny repository, outside the timing."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["git", "init", "-q", tmp], check=True)
        subprocess.run([*leakscan_command(), "git", tmp, "--no-progress", *extra],
                       cwd=REPO, capture_output=True, env=cli_env())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo", nargs="?")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-floor", action="store_true", help="Skip timing git cat-file.")
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    repo = args.repo
    if repo is None:
        repo = str(SYNTHETIC)
        if not SYNTHETIC.exists():
            subprocess.run([sys.executable, str(Path(__file__).with_name("make_history.py")), repo], check=True)
    warm_up(extra)
    print(f"repository: {repo}   cores: {os.cpu_count()}   load average: {os.getloadavg()[0]:.1f}")
    for _ in range(args.runs):
        wall, cpu, pss, largest, report = scan(repo, extra)
        stats = report["stats"]
        mb = stats["bytes"] / 1e6
        print(f"leakscan git   {wall:7.2f} s  cpu {cpu:7.2f} s  blobs {stats['files']:>8}  {mb:9.1f} MB  "
              f"{mb / wall:7.1f} MB/s  findings {len(report['findings'])}  errors {stats['errors']}")
        print(f"  peak memory: largest process (ru_maxrss) {largest / 1e6:.0f} MB, "
              f"whole process tree (sum of PSS) {pss / 1e6:.0f} MB")
    if args.no_floor:
        return
    f_wall, f_cpu = floor(repo)
    b_wall, b_cpu = blob_floor(repo)
    print(f"floor: git cat-file --batch-all-objects --batch   {f_wall:7.2f} s  cpu {f_cpu:7.2f} s   "
          f"leakscan / floor = {wall / f_wall:.2f}x")
    print(f"for reference: rev-list | cat-file --batch (blobs only) {b_wall:7.2f} s  cpu {b_cpu:7.2f} s")


if __name__ == "__main__":
    main()
