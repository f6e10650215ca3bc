"""Run state: which units of a run are done, with their results, so that --resume skips them."""
from __future__ import annotations

import json
import os
import sqlite3
import time
from typing import Any

from leakscan.store.db import connect


class RunStore:
    """The runs and units tables of a state file. Results are JSON without plaintext secrets
    (store.records); a unit is recorded once it is complete, so an interrupted run loses at
    most the units it was in the middle of."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        self.db: sqlite3.Connection = connect(path)

    def start(self, plan: str, resume: bool) -> tuple[int, bool]:
        """The run to record into: with `resume`, the latest unfinished run of the same plan
        (same targets and options, same rules); else a new one. Returns (run id, resumed)."""
        if resume:
            row = self.db.execute("SELECT run_id FROM runs WHERE plan = ? AND finished IS NULL "
                                  "ORDER BY run_id DESC LIMIT 1", (plan,)).fetchone()
            if row:
                return int(row[0]), True
        cursor = self.db.execute("INSERT INTO runs (plan, started) VALUES (?, ?)", (plan, time.time()))
        return int(cursor.lastrowid or 0), False

    def done(self, run_id: int) -> dict[tuple[str, int], dict[str, Any]]:
        """The units already recorded for a run, by (repository, batch)."""
        rows = self.db.execute("SELECT repository, batch, result FROM units WHERE run_id = ?", (run_id,))
        return {(repo, batch): json.loads(result) for repo, batch, result in rows}

    def record(self, run_id: int, repository: str, batch: int, status: str, result: dict[str, Any]) -> None:
        """A unit's result; recording the same unit again (a retried Dask task) keeps one row and counts it."""
        self.db.execute(
            "INSERT INTO units (run_id, repository, batch, status, result) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (run_id, repository, batch) DO UPDATE SET status = excluded.status, "
            "result = excluded.result, scans = scans + 1",
            (run_id, repository, batch, status, json.dumps(result, separators=(",", ":"))))

    def scans(self, run_id: int) -> dict[tuple[str, int], int]:
        """How many times each unit's result was recorded (1 when nothing was scanned twice)."""
        rows = self.db.execute("SELECT repository, batch, scans FROM units WHERE run_id = ?", (run_id,))
        return {(repo, batch): int(count) for repo, batch, count in rows}

    def finish(self, run_id: int) -> None:
        self.db.execute("UPDATE runs SET finished = ? WHERE run_id = ?", (time.time(), run_id))

    def close(self) -> None:
        self.db.close()
