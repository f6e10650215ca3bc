"""A large history scanned twice with --incremental: the second run reads stored findings.

    python bench/incremental.py [REPO] [--commits N] [--new N]

Without REPO, the synthetic history of bench/make_history.py (this Python's
standard library and N editing commits) is built in the temporary directory.
The repository is cloned (bare, local) first, so that the script can add
commits to it. Runs, each `leakscan git` in a fresh process:

1. `--incremental` with an empty state file: scans every blob and stores it;
2. `--incremental` again: nothing changed, the stored report is read;
3. plain `leakscan git`: the reference, which both reports must equal;
4. plain `leakscan git --jobs 1` (another worker count, other scheduling):
   a history report is a function of the repository and rules, so it must
   equal 3 too;
5. after NEW commits (each edits a few files, one adds a fake token),
   `--incremental`: walks the history, scans only the new blobs;
6. plain `leakscan git` on the new history: the reference for 5.

Wall seconds and CPU seconds (all child processes) are printed for each.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import string
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from _common import REPO, run_cli

from leakscan.engine.validators import base62

SYNTHETIC = Path(tempfile.gettempdir()) / "leakscan-bench-history"


def comparable(report: dict) -> dict:
    report["stats"].pop("seconds", None)
    return report


def cpu_run(args: list[str]) -> tuple[float, float, dict]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, report = run_cli(args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), report


def add_commits(repo: str, count: int) -> None:
    """COUNT commits on main, each appending a line to a few existing files; the first adds a token."""
    files = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", "main"], capture_output=True,
                           text=True, check=True).stdout.split()
    texts = [f for f in files if f.endswith((".py", ".rb", ".js", ".md", ".txt"))][:200]
    rng = random.Random(17)
    body = "".join(rng.choice(string.digits + string.ascii_letters) for _ in range(30))
    token = "ghp_" + body + base62(zlib.crc32(body.encode()), 6)
    contents = {name: subprocess.run(["git", "-C", repo, "show", f"main:{name}"], capture_output=True,
                                     check=True).stdout for name in texts}
    stream = []
    for number in range(count):
        stream.append(f"commit refs/heads/main\ncommitter Bench <bench@example.com> {int(time.time())} +0000\n"
                      f"data 9\nnightly {number % 10}\n" + ("from refs/heads/main^0\n" if number == 0 else ""))
        for name in rng.sample(texts, 3):
            contents[name] += f"# nightly change {number}\n".encode()
            stream.append(f"M 100644 inline {name}\ndata {len(contents[name])}\n")
            stream.append(contents[name].decode("utf-8", "surrogateescape") + "\n")
        if number == 0:
            text = f'TOKEN = "{token}"\n'
            stream.append(f"M 100644 inline nightly/settings.py\ndata {len(text)}\n{text}\n")
        else:
            text = f"CHANGE = {number}\n"
            stream.append(f"M 100644 inline nightly/change_{number}.py\ndata {len(text)}\n{text}\n")
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet"],
                   input="".join(stream).encode("utf-8", "surrogateescape"), check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repo", nargs="?", help="a clone (default: the synthetic history)")
    parser.add_argument("--commits", type=int, default=2000, help="commits of the synthetic history")
    parser.add_argument("--new", type=int, default=20, help="commits added before the last two runs")
    parser.add_argument("--reports", help="a directory to write each run's JSON report to (to compare them)")
    args = parser.parse_args()
    source = args.repo
    if source is None:
        source = str(SYNTHETIC)
        if not (SYNTHETIC / ".git").exists() and not (SYNTHETIC / "HEAD").exists():
            subprocess.run([sys.executable, str(REPO / "bench" / "make_history.py"), source, "--commits",
                            str(args.commits)], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        repo = str(Path(tmp) / "clone.git")
        subprocess.run(["git", "clone", "--quiet", "--bare", source, repo], check=True)
        state = str(Path(tmp) / "state.sqlite3")
        runs = {}
        runs["first --incremental"] = cpu_run(["git", repo, "--incremental", "--state", state])
        runs["second --incremental"] = cpu_run(["git", repo, "--incremental", "--state", state])
        runs["plain"] = cpu_run(["git", repo])
        runs["plain, --jobs 1"] = cpu_run(["git", repo, "--jobs", "1"])
        size = sum(p.stat().st_size for p in Path(tmp).glob("state.sqlite3*"))
        add_commits(repo, args.new)
        runs[f"+{args.new} commits, --incremental"] = cpu_run(["git", repo, "--incremental", "--state", state])
        runs[f"+{args.new} commits, plain"] = cpu_run(["git", repo])
    reports = [comparable(r[2]) for r in runs.values()]
    if args.reports:
        Path(args.reports).mkdir(parents=True, exist_ok=True)
        for number, report in enumerate(reports, 1):
            (Path(args.reports) / f"run{number}.json").write_text(json.dumps(report, indent=1, sort_keys=True))
    same = reports[0] == reports[1] == reports[2] == reports[3]
    same_new = reports[4] == reports[5]
    print(f"repository: {source}; blobs: {reports[0]['stats']['files']}, findings: {len(reports[0]['findings'])}, "
          f"errors: {len(reports[0]['errors'])}")
    first = runs["first --incremental"][0]
    for name, (wall, cpu, _) in runs.items():
        print(f"{name:28} {wall:7.1f} s wall ({wall / first:.2f} of the first), {cpu:7.1f} s CPU")
    print(f"state file: {size / 1e6:.1f} MB")
    print(f"identical reports (timings aside): unchanged {same}, with new commits {same_new}")
    if not same:
        names = list(runs)
        print("differing from the first:", [names[i] for i in range(1, 4) if reports[i] != reports[0]])
    if not (same and same_new) or runs["second --incremental"][0] > first / 5:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
