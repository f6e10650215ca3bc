"""Ctrl-C, SIGTERM and killed workers, sent to a real `leakscan` process (issues 19.6, 19.7).

Each test starts leakscan in a session of its own (its process group: itself, its workers
and their git processes), waits until its workers are running, then signals it or kills a
worker, and checks the exit status, the report, and that nothing of the group is left.
Bounds are generous and every wait polls: the machine may be loaded.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import fake_github_token
from .gitrepo import GIT_ENV
from .processes import Proc, children, group, wait_for

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")

# Enough files and blobs that the workers run for seconds: a tree scan now loads rules and prefilters before it
# forks them, so 400 files were done before a worker could be seen on a quiet machine; a history of 1,200
# blobs was once done, on a loaded machine, before its workers were seen.
TREE_FILES = 8000
HISTORY_COMMITS, FILES_PER_COMMIT = 480, 10
FILLER = " ".join(f"word{n % 97}" for n in range(1200))  # text to scan that holds nothing


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for n in range(TREE_FILES):
        (root / f"m{n:04d}.py").write_text(f"TOKEN = '{fake_github_token(n)}'\n{FILLER}\n")
    return root


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    """A repository of HISTORY_COMMITS commits, each changing FILES_PER_COMMIT files, each
    version adding a token (built with fast-import: seconds, not minutes)."""
    root = tmp_path_factory.mktemp("history")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=GIT_ENV)
    stream = []
    for c in range(HISTORY_COMMITS):
        stream.append(f"commit refs/heads/main\ncommitter A <a@example.com> {1700000000 + 60 * c} +0000\n"
                      f"data 3\nc{c % 10}\n".encode())
        for f in range(FILES_PER_COMMIT):
            body = f"TOKEN = '{fake_github_token(1000 + c * FILES_PER_COMMIT + f)}'\n{FILLER}\n".encode()
            stream.append(b"M 100644 inline src/f%d.py\ndata %d\n%s\n" % (f, len(body), body))
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(stream), check=True,
                   env=GIT_ENV)
    return root


class Leakscan:
    """`leakscan ARGS --format json` in its own session; its report in a file."""

    def __init__(self, workdir: Path, *args: str) -> None:
        self.report_path = workdir / "report.json"
        self.stderr_path = workdir / "stderr.txt"
        with open(self.report_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "leakscan", *args, "--format", "json", "--no-progress"],
                                         stdout=out, stderr=err, cwd=workdir, start_new_session=True)

    def workers(self) -> list[Proc]:
        """Its worker processes, once it has started them (waits up to a minute). A child
        still a Python process 0.2 s after it was seen is a worker: one that is about to
        become git (a rev-parse, a cat-file) is Python only for moments."""
        def settled() -> list[Proc]:
            seen = {p.pid for p in children(self.proc.pid) if p.name != "git"}
            if not seen:
                return []
            time.sleep(0.2)
            return [p for p in children(self.proc.pid) if p.name != "git" and p.pid in seen]

        found = wait_for(settled, timeout=60)
        assert found, f"no workers seen (exit {self.proc.poll()}): {self.stderr_path.read_text()[-2000:]}"
        return found

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def report(self) -> dict:
        return json.loads(self.report_path.read_text())

    def leftovers(self) -> list[Proc]:
        """What is left of its process group, once it has had a few seconds to go."""
        wait_for(lambda: not group(self.proc.pid), timeout=10, poll=0.05)
        return group(self.proc.pid)

    def kill_all(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


@pytest.fixture
def start(tmp_path) -> Iterator:
    started: list[Leakscan] = []

    def run(*args: str) -> Leakscan:
        started.append(Leakscan(tmp_path, *args))
        return started[-1]

    yield run
    for scan in started:  # also when the test failed: nothing of it outlives the test
        scan.kill_all()


def _target(kind: str, tree: Path, history: Path) -> list[str]:
    return ["scan", str(tree)] if kind == "scan" else ["git", str(history)]


@pytest.mark.parametrize("kind", ["scan", "git"])
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_the_scan_with_a_partial_report_and_no_process_left(kind, signum, code, tree, history, start):
    scan = start(*_target(kind, tree, history), "--jobs", "2")
    scan.workers()
    sent = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(scan.proc.pid, signum)  # Ctrl-C: the terminal signals the whole foreground group
    else:
        os.kill(scan.proc.pid, signum)  # `kill`, a CI runner's timeout: the main process only
    assert scan.wait(timeout=60) == code
    assert time.monotonic() - sent < 10
    report = scan.report()
    assert report["stats"]["incomplete"] is True
    assert any(e["message"].startswith("interrupted:") for e in report["errors"])
    total = TREE_FILES if kind == "scan" else HISTORY_COMMITS * FILES_PER_COMMIT
    assert len(report["findings"]) < total
    assert all(f["rule_id"] == "github.pat.classic" for f in report["findings"])  # what it found so far
    assert scan.leftovers() == []


@pytest.mark.parametrize("kind", ["scan", "git"])
def test_a_killed_worker_is_replaced_and_the_scan_completes(kind, tree, history, start):
    scan = start(*_target(kind, tree, history), "--jobs", "2")
    os.kill(scan.workers()[0].pid, signal.SIGKILL)
    assert scan.wait(timeout=600) == 1
    report = scan.report()
    assert report["errors"] == [] and "incomplete" not in report["stats"]
    total = TREE_FILES if kind == "scan" else HISTORY_COMMITS * FILES_PER_COMMIT
    assert len(report["findings"]) == total  # every file (blob) scanned: the dead worker's share again
    assert scan.leftovers() == []
