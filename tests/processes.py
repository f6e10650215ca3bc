"""Processes seen through /proc (Linux): who is whose child, who is in a process group."""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Proc:
    pid: int
    name: str
    ppid: int
    pgrp: int


def live_processes() -> list[Proc]:
    """Every process but zombies (a zombie has exited; only its exit status is left)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        name = stat[stat.find("(") + 1:stat.rfind(")")]
        state, ppid, pgrp = stat[stat.rfind(")") + 2:].split()[:3]
        if state != "Z":
            found.append(Proc(int(entry), name, int(ppid), int(pgrp)))
    return found


def children(pid: int) -> list[Proc]:
    return [p for p in live_processes() if p.ppid == pid]


def group(pgrp: int) -> list[Proc]:
    return [p for p in live_processes() if p.pgrp == pgrp]


def wait_for(condition: Callable[[], object], timeout: float, poll: float = 0.005) -> object:
    """Poll until `condition()` is truthy (returned) or `timeout` seconds pass (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    return None
