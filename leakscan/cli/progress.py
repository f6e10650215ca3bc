"""Progress bars on stderr: each names its phase and shows the findings so far.

A tree scan knows how many files it will read, so its bar has a total. A
history walk lists blobs while it scans them, so its total is unknown until the
end: it shows a spinner with counts rather than a total that keeps growing.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

SPINNER = "|/-\\"

TreeUpdate = Callable[..., None]  # (items done, findings in them=0)
TreeFactory = Callable[[int], TreeUpdate]
HistoryUpdate = Callable[..., None]  # (blobs done, blobs listed so far, findings so far=None)


def _found(count: int) -> str:
    return f"{count} finding(s)"


@contextmanager
def tree_progress(enabled: bool, phase: str, unit: str, mininterval: float = 0.1,
                  listing: str | None = None) -> Iterator[TreeFactory | None]:
    """A factory the scan calls with its total once it has listed its files; the bar closes on exit.

    With LISTING, that label shows while the files are being listed (a large tree takes a while)."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    bars: list[Any] = []
    if listing:
        bars.append(tqdm(total=None, desc=listing, bar_format="{desc}…", file=sys.stderr, leave=False))

    def factory(total: int) -> TreeUpdate:
        for listed in bars:
            listed.close()
        bar = tqdm(total=total, desc=phase, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True,
                   postfix=_found(0), mininterval=mininterval)
        bars.append(bar)
        found = 0

        def update(done: int, findings: int = 0) -> None:
            nonlocal found
            if findings:
                found += findings
                bar.set_postfix_str(_found(found), refresh=False)
            bar.update(done)

        return update

    try:
        yield factory
    finally:
        for bar in bars:
            bar.close()


@contextmanager
def history_progress(enabled: bool, phase: str = "scanning history",
                     mininterval: float = 0.1) -> Iterator[HistoryUpdate | None]:
    """Counts with a spinner: blobs scanned, blobs listed so far, findings so far."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=None, desc=f"{SPINNER[0]} {phase}", unit="blob", file=sys.stderr, leave=False,
               dynamic_ncols=True, mininterval=mininterval)
    turns = 0

    def update(done: int, listed: int, found: int | None = None) -> None:
        nonlocal turns
        turns += 1
        bar.set_description_str(f"{SPINNER[turns % len(SPINNER)]} {phase}", refresh=False)
        bar.set_postfix_str(f"{listed} listed" + (f", {_found(found)}" if found is not None else ""),
                            refresh=False)
        bar.update(done)

    try:
        yield update
    finally:
        bar.close()
