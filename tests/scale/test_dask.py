"""`leakscan repos --dask`: a real dask-scheduler and two dask-worker processes on 127.0.0.1."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from tests.processes import wait_for
from tests.scale.fleet import fingerprints, make_fleet

pytestmark = pytest.mark.dask  # about 30 s together: a scheduler, two workers, 40 repository scans

REPOS = 20


def _command(name: str) -> list[str]:
    """`dask scheduler` / `dask worker` (the dask-scheduler and dask-worker programs of older releases)."""
    return [sys.executable, "-m", f"distributed.cli.dask_{name}"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("dask")
    env = dict(os.environ)
    scheduler_file = root / "scheduler.json"
    started: list[subprocess.Popen[bytes]] = []

    def start(args: list[str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(args, env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        started.append(proc)
        return proc

    start([*_command("scheduler"), "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
           "--scheduler-file", str(scheduler_file)])
    assert wait_for(scheduler_file.exists, timeout=60, poll=0.1)
    address = json.loads(scheduler_file.read_text())["address"]
    workers = [start([*_command("worker"), address, "--host", "127.0.0.1", "--nthreads", "1", "--nworkers",
                      "1", "--no-dashboard", "--name", f"w{i}", "--local-directory", str(root / f"w{i}")])
               for i in range(2)]
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=60)
    fleet = [str(p) for p in make_fleet(root, REPOS, commits=1)]
    local = _run(fleet, "--state", str(root / "local.db"))
    try:
        yield {"address": address, "workers": workers, "fleet": fleet, "local": local, "root": root, "env": env}
    finally:
        for proc in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _run(fleet: list[str], *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["repos", *fleet, "--history", "--format", "json", "--no-progress", *args])
    assert result.exit_code == 1, result.output  # findings
    return json.loads(result.stdout)


def test_dask_finds_exactly_what_the_local_pool_finds_on_both_workers(cluster: dict[str, Any],
                                                                      tmp_path: Path) -> None:
    report = _run(cluster["fleet"], "--dask", cluster["address"], "--state", str(tmp_path / "dask.db"),
                  "--no-incremental")
    assert fingerprints(report) == fingerprints(cluster["local"])
    assert len(fingerprints(report)) >= REPOS - 3  # one in seven repositories has no secret
    assert all(s["status"] == "scanned" for s in report["repositories"])
    workers = {w for s in report["repositories"] for w in s["workers"]}
    assert len(workers) == 2 and all(w.startswith("tcp://127.0.0.1:") for w in workers)


def test_killing_a_worker_mid_run_loses_and_duplicates_nothing(cluster: dict[str, Any], tmp_path: Path) -> None:
    state = tmp_path / "dask.db"
    outcome: dict[str, Any] = {}

    def run() -> None:
        outcome["report"] = _run(cluster["fleet"], "--dask", cluster["address"], "--state", str(state),
                                 "--no-incremental")

    runner = threading.Thread(target=run)
    runner.start()

    def units_done() -> int:
        try:
            with sqlite3.connect(state, timeout=1) as db:
                return int(db.execute("SELECT count(*) FROM units").fetchone()[0])
        except sqlite3.OperationalError:
            return 0

    assert wait_for(lambda: units_done() >= 2, timeout=120, poll=0.005)
    victim = cluster["workers"][0]
    os.killpg(victim.pid, signal.SIGKILL)  # the worker and its nanny, in the middle of the run
    runner.join(timeout=240)
    assert not runner.is_alive()
    report = outcome["report"]
    assert fingerprints(report) == fingerprints(cluster["local"])
    assert len(report["findings"]) == len(cluster["local"]["findings"])  # nothing twice
    assert all(s["status"] == "scanned" for s in report["repositories"])
