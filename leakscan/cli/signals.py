"""Ctrl-C (SIGINT) and SIGTERM end a scan early, with a report, and exit 128 + the signal.

The handler raises KeyboardInterrupt in the main thread (for SIGTERM too); the scan catches
it, stops its workers and git processes, and returns what it found so far marked incomplete
(see leakscan/interruption.py); the command writes that report as usual; the exit status
then says which signal stopped it: 130 for SIGINT, 143 for SIGTERM, as a shell reports a
process killed by them. A second signal interrupts whatever is under way (the report being
written, say) and exits at once with the same status.
"""
from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Install the handlers; on leaving by SystemExit after a signal, exit 128 + that signal."""
    received: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    for signum in STOPPING_SIGNALS:
        signal.signal(signum, handler)
    try:
        yield
    except (SystemExit, KeyboardInterrupt):
        if received:
            sys.exit(128 + received[0])
        raise
