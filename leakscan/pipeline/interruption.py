"""A scan stopped early (Ctrl-C, SIGTERM) ends with what it found so far, marked incomplete.

The CLI turns SIGINT and SIGTERM into KeyboardInterrupt in the main process; a scan
catches it, stops its workers and git processes, and returns a partial report with
`INTERRUPTED` among its errors. Worker processes leave the signal to the parent: they
ignore SIGINT (a terminal sends Ctrl-C to the whole process group) and die at once on
SIGTERM, which is how the parent stops them.
"""
from __future__ import annotations

import signal
from typing import Any

from leakscan.model import ScanError

INTERRUPTED = ScanError("-", "interrupted: the scan was stopped before it finished; "
                             "the findings are those found so far")


def worker_signals(clean_exit: bool = False) -> None:
    """In a worker process: Ctrl-C is the parent's to handle; SIGTERM ends the worker, at once
    or (`clean_exit`) by raising SystemExit, for a worker that must stop processes of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit if clean_exit else signal.SIG_DFL)


def _exit(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)
