"""The SQLite state file: where it lives, its schema, and one connection per process."""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS findings_cache (
    identity TEXT NOT NULL,      -- rules-and-config hash the findings were computed under
    key TEXT NOT NULL,           -- blob id (git) or content hash (files), with the path
    entry TEXT NOT NULL,         -- JSON: findings without plaintext, files and bytes scanned
    PRIMARY KEY (identity, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS walk_state (
    identity TEXT NOT NULL,      -- rules-and-config hash, as above
    key TEXT NOT NULL,           -- the history's oldest commit, its revisions, the blob batch
    state BLOB NOT NULL,         -- zlib'd JSON (store.walk_state): where the last walk of them ended
    PRIMARY KEY (identity, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS identities (
    identity TEXT PRIMARY KEY,   -- a rules-and-config hash findings or walk states were stored under
    last_used REAL NOT NULL      -- when a scan last opened the store under it
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan TEXT NOT NULL,          -- hash of what the run scans and how: --resume finds its run by it
    started REAL NOT NULL,
    finished REAL                -- NULL while the run is not complete
);
CREATE TABLE IF NOT EXISTS units (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    repository TEXT NOT NULL,
    batch INTEGER NOT NULL,      -- blob batch of the repository's history (0 for a whole repository)
    status TEXT NOT NULL,        -- scanned | failed | skipped
    result TEXT NOT NULL,        -- JSON: findings without plaintext, errors, counts, reason, worker
    scans INTEGER NOT NULL DEFAULT 1,  -- how many times a result was recorded (a reused unit is not rescanned)
    PRIMARY KEY (run_id, repository, batch)
) WITHOUT ROWID;
"""


# Stored findings and walk states are reusable only under the rules-and-config hash they were
# computed with, so after a rule update the old ones are dead weight (87 MB of walk state for
# rails/rails alone). The newest few are kept: switching between two configurations, or back
# to the previous release, still finds its entries.
KEEP_IDENTITIES = 3
RECORD_USE_EVERY = 60.0  # seconds: a use recorded this recently is not written again


def default_state_path(cache_root: Path) -> Path:
    """Beside the other caches (leakscan.cache.cache_dir()), one file for every run."""
    return cache_root / "state.sqlite3"


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """WAL mode, so worker processes write findings while the run reads and records units;
    a busy database is waited for, never an error."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(path), timeout=60, isolation_level=None)
    for attempt in range(100):  # switching to WAL takes a lock the busy timeout does not wait for
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)
            break
        except sqlite3.OperationalError:
            if attempt == 99:
                raise
            time.sleep(0.05)
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def use_identity(connection: sqlite3.Connection, identity: str, keep: int = KEEP_IDENTITIES) -> int:
    """Record that a scan uses `identity`; the first time it is seen, delete the entries of every
    identity but the `keep` most recently used (and of any stored before identities were
    recorded). Returns how many findings and walk-state entries were deleted."""
    row = connection.execute("SELECT last_used FROM identities WHERE identity = ?", (identity,)).fetchone()
    if row and time.time() - float(row[0]) < RECORD_USE_EVERY:
        return 0  # a scan's workers each open the store: one of them recorded it already
    with connection:
        connection.execute("BEGIN IMMEDIATE")
        known = connection.execute("SELECT 1 FROM identities WHERE identity = ?", (identity,)).fetchone()
        connection.execute("INSERT INTO identities (identity, last_used) VALUES (?, ?) ON CONFLICT (identity) "
                           "DO UPDATE SET last_used = excluded.last_used", (identity, time.time()))
        if known:
            return 0
        kept = [row[0] for row in connection.execute(
            "SELECT identity FROM identities ORDER BY last_used DESC, identity LIMIT ?", (max(keep, 1),))]
        if identity not in kept:  # a clock set back: the identity in use is never the one dropped
            kept[-1] = identity
        marks = ",".join("?" * len(kept))
        deleted = sum(connection.execute(f"DELETE FROM {table} WHERE identity NOT IN ({marks})", kept).rowcount
                      for table in ("findings_cache", "walk_state"))
        connection.execute(f"DELETE FROM identities WHERE identity NOT IN ({marks})", kept)
        return deleted
