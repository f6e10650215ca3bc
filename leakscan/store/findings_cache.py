"""Findings already computed, per blob id or content hash and per rules-and-config hash (--incremental)."""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from leakscan.model import Finding, ScanError
from leakscan.store.db import connect, use_identity
from leakscan.store.records import error_from_record, error_record, finding_from_record, finding_record
from leakscan.store.walk_state import WalkState, state_bytes, state_from_bytes


@dataclass(frozen=True)
class CachedScan:
    """What scanning one blob or file (or a whole history) gave: its findings (no plaintext), what
    it counted, and the errors that are part of the result (the same again for the same input)."""

    findings: tuple[Finding, ...]
    scanned: int  # 1 when it was scanned (0: binary, not a blob)
    bytes: int
    suppressed: tuple[tuple[str, int], ...] = ()
    skipped: str = ""  # why a file was left out (a tree scan's stats.skipped reason), if it was
    errors: tuple[ScanError, ...] = ()


class FindingsCache(Protocol):
    """What a scan asks of a cache: the pipeline only needs these two calls, by key."""

    def get_many(self, keys: Sequence[str]) -> dict[str, CachedScan]: ...

    def put_many(self, entries: Iterable[tuple[str, CachedScan]]) -> None: ...


class SqliteFindingsCache:
    """The findings_cache table of a state file, under one identity (rules-and-config hash), and
    the walk_state table (WalkStates: where each history's last walk ended).

    Picklable (it holds a path): each process, a forked scan worker or a Dask worker on the
    same host, opens its own connection on first use."""

    def __init__(self, path: str | os.PathLike[str], identity: str) -> None:
        self.path = str(Path(path))
        self.identity = identity
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    def __getstate__(self) -> dict[str, str]:
        return {"path": self.path, "identity": self.identity}

    def __setstate__(self, state: dict[str, str]) -> None:
        self.__init__(state["path"], state["identity"])  # type: ignore[misc]

    def _db(self) -> sqlite3.Connection:
        if self._connection is None or self._pid != os.getpid():  # a forked child never shares its parent's
            self._connection = connect(self.path)
            self._pid = os.getpid()
            use_identity(self._connection, self.identity)  # and entries of long-replaced rules go
        return self._connection

    def get_many(self, keys: Sequence[str]) -> dict[str, CachedScan]:
        found: dict[str, CachedScan] = {}
        db = self._db()
        for start in range(0, len(keys), 500):  # SQLite's bound-parameter limit
            part = list(keys[start:start + 500])
            marks = ",".join("?" * len(part))
            rows = db.execute(f"SELECT key, entry FROM findings_cache WHERE identity = ? AND key IN ({marks})",
                              [self.identity, *part])
            for key, entry in rows:
                found[key] = _entry_from_json(entry)
        return found

    def put_many(self, entries: Iterable[tuple[str, CachedScan]]) -> None:
        rows = [(self.identity, key, _entry_json(scan)) for key, scan in entries]
        if not rows:
            return
        db = self._db()
        with db:  # one transaction per batch
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO findings_cache (identity, key, entry) VALUES (?, ?, ?)", rows)

    def get_walk(self, key: str) -> WalkState | None:
        row = self._db().execute("SELECT state FROM walk_state WHERE identity = ? AND key = ?",
                                 (self.identity, key)).fetchone()
        return state_from_bytes(row[0]) if row else None

    def put_walk(self, key: str, state: WalkState) -> None:
        db = self._db()
        with db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT OR REPLACE INTO walk_state (identity, key, state) VALUES (?, ?, ?)",
                       (self.identity, key, state_bytes(state)))

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _entry_json(scan: CachedScan) -> str:
    return json.dumps({"findings": [finding_record(f) for f in scan.findings], "scanned": scan.scanned,
                       "bytes": scan.bytes, "suppressed": [list(p) for p in scan.suppressed],
                       "skipped": scan.skipped, "errors": [error_record(e) for e in scan.errors]},
                      separators=(",", ":"))


def _entry_from_json(text: str) -> CachedScan:
    data = json.loads(text)
    return CachedScan(tuple(finding_from_record(r) for r in data["findings"]), data["scanned"], data["bytes"],
                      tuple((str(k), int(v)) for k, v in data["suppressed"]), data.get("skipped", ""),
                      tuple(error_from_record(r) for r in data.get("errors", ())))
