"""200 small generated repositories scanned by `leakscan repos`: local pool against Dask with two workers.

    python bench/repos.py [--repos 200] [--workers 2]

Each repository (built with `git fast-import`, a few commits, a generated fake
GitHub token planted in one in two, removed again in one in four) is scanned
with `--history --no-incremental` twice: on the local process pool (`-j
WORKERS`) and through `--dask` on a `dask scheduler` with WORKERS `dask worker`
processes of one thread each, all on 127.0.0.1. Prints wall seconds, the
findings of both (which must be the same by fingerprint), the peak RSS of each
Dask worker, and the pickled size of what one task sends and returns.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import signal
import string
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from _common import run_cli

from leakscan.engine.validators import base62

BASE62 = string.digits + string.ascii_letters


def fake_token(rng: random.Random) -> str:
    body = "".join(rng.choice(BASE62) for _ in range(30))
    return "ghp_" + body + base62(zlib.crc32(body.encode()), 6)


def make_repo(path: Path, index: int) -> None:
    """A few commits through fast-import: source files, and a planted token for half of them."""
    rng = random.Random(index)
    commits = [{"README.md": f"# service {index}\n", "src/main.py": "def main():\n    return 0\n"},
               {f"src/mod{n}.py": f"VALUE = {rng.randint(0, 10**6)}\n" for n in range(4)}]
    if index % 2 == 0:
        commits.append({"config/settings.py": f'TOKEN = "{fake_token(rng)}"\n'})
        if index % 4 == 0:
            commits.append({"config/settings.py": "import os\nTOKEN = os.environ['TOKEN']\n"})
    stream = []
    for number, files in enumerate(commits, 1):
        message = f"change {number}"
        stream.append(f"commit refs/heads/main\nmark :{number}\n"
                      f"committer Bench <bench@example.com> {1700000000 + number * 3600} +0000\n"
                      f"data {len(message)}\n{message}\n" + ("" if number == 1 else f"from :{number - 1}\n"))
        for name, text in files.items():
            data = text.encode()
            stream.append(f"M 100644 inline {name}\ndata {len(data)}\n{text}\n")
    path.mkdir(parents=True)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=env)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input="".join(stream).encode(), check=True, env=env)


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next(int(line.split()[1]) * 1024 for line in handle if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def descendants(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def start_cluster(root: Path, workers: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    def start(args: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", *args], cwd=root, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    scheduler_file = root / "scheduler.json"
    procs = [start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(scheduler_file)])]
    while not scheduler_file.exists():
        time.sleep(0.1)
    address = json.loads(scheduler_file.read_text())["address"]
    procs += [start(["distributed.cli.dask_worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                     "--no-dashboard", "--local-directory", str(root / f"w{i}")]) for i in range(workers)]
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(workers, timeout=120)
    return address, procs


def fingerprints(report: dict) -> set[tuple[str, str]]:
    return {(f["location"]["repository"], f["fingerprint"]) for f in report["findings"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        for index in range(args.repos):
            make_repo(root / "repos" / f"r{index:04d}", index)
        print(f"{args.repos} repositories built in {time.perf_counter() - started:.1f} s")
        common = ["repos", str(root / "repos"), "--history", "--no-incremental"]
        local_s, local = run_cli([*common, "--state", str(root / "local.db")], jobs=args.workers)
        address, procs = start_cluster(root, args.workers)
        try:
            workers = [p for proc in procs[1:] for p in [proc.pid, *descendants(proc.pid)]]
            peak = {pid: rss(pid) for pid in workers}
            import threading

            done = threading.Event()

            def sample() -> None:
                while not done.is_set():
                    for pid in list(peak):
                        peak[pid] = max(peak[pid], rss(pid))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            dask_s, dask = run_cli([*common, "--state", str(root / "dask.db"), "--dask", address])
            done.set()
        finally:
            for proc in procs:
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                proc.wait(timeout=30)
    used = {w for s in dask["repositories"] for w in s["workers"]}
    print(f"local pool (-j {args.workers}):      {local_s:6.1f} s, {len(local['findings'])} findings")
    print(f"dask, {args.workers} workers x 1 thread: {dask_s:6.1f} s, {len(dask['findings'])} findings, "
          f"{len(used)} workers used")
    print(f"same findings by fingerprint: {fingerprints(local) == fingerprints(dask)}")
    print("peak RSS per dask worker process: " + ", ".join(f"{v / 1e6:.0f} MB" for v in peak.values() if v))
    print(f"per task on the wire (pickled): settings {task_bytes()} B; result: "
          f"{len(json.dumps(dask['findings'])) // max(1, len(dask['repositories']))} B of findings on average")


def task_bytes() -> int:
    from leakscan.config import Config
    from leakscan.scale.targets import Target
    from leakscan.scale.units import Unit, UnitSettings

    return len(pickle.dumps((Unit(Target("r0001", "/srv/r0001")), UnitSettings(Config(), True, "0" * 64))))


if __name__ == "__main__":
    main()
