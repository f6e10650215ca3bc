"""The findings cache: stored per identity and key, read back equal, never holding a secret."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from leakscan.model import Finding, Location, Suggestion
from leakscan.store.findings_cache import CachedScan, SqliteFindingsCache
from leakscan.store.walk_state import WalkState
from tests.conftest import fake_github_token


def _finding(secret: str) -> Finding:
    location = Location("config/app.py", 3, 9, 3, 49, commit="c" * 40, blob="b" * 40,
                        extra=(("author", "Alice <a@example.com>"),), layers=("base64",), repository="org/app")
    return Finding("github.pat.classic", "secret", "GitHub token", "high", 0.97, ("pattern: 0.90",), location,
                   "ghp_****", "sha256:abc", Suggestion("revoke", "Revoke it", "ghp_****"), "sha256:def",
                   secret=secret, also_at=("other.py:1@cccccccccccc",))


def test_entries_round_trip_by_identity_and_key(tmp_path: Path) -> None:
    cache = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules-1")
    entry = CachedScan((_finding(""),), 1, 120, (("inline_ignore", 1),), "")
    cache.put_many([("blob:1:config/app.py:", entry), ("blob:2:README.md:", CachedScan((), 0, 0, (), "binary"))])
    assert cache.get_many(["blob:1:config/app.py:", "blob:2:README.md:", "blob:3:x:"]) == {
        "blob:1:config/app.py:": entry, "blob:2:README.md:": CachedScan((), 0, 0, (), "binary")}
    other_rules = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules-2")
    assert other_rules.get_many(["blob:1:config/app.py:"]) == {}  # a rule change: nothing reused


def test_the_file_never_holds_the_secret(tmp_path: Path) -> None:
    token = fake_github_token(7)
    cache = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules-1")
    cache.put_many([("k", CachedScan((_finding(token),), 1, 50))])
    cache.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert token.encode() not in stored
    assert token[4:20].encode() not in stored
    back = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules-1").get_many(["k"])["k"]
    assert back.findings[0].secret == "" and back.findings[0].location.repository == "org/app"


def test_a_cache_crosses_processes_as_its_path(tmp_path: Path) -> None:
    cache = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules-1")
    cache.put_many([("k", CachedScan((), 1, 5))])
    copy = pickle.loads(pickle.dumps(cache))  # what a forked or Dask worker gets
    assert copy.get_many(["k"]) == {"k": CachedScan((), 1, 5)}


def _stored_identities(path: Path) -> dict[str, int]:
    from sqlite3 import connect

    with connect(path) as db:
        return dict(db.execute("SELECT identity, COUNT(*) FROM findings_cache GROUP BY identity").fetchall())


def test_entries_of_replaced_rules_are_deleted_beyond_the_newest_three(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import leakscan.store.db as db

    path = tmp_path / "state.sqlite3"
    clock = iter(range(1_000, 100_000, 100))
    monkeypatch.setattr(db.time, "time", lambda: float(next(clock)))  # each open a later time
    entry = CachedScan((), 1, 10)
    for version in range(1, 5):
        cache = SqliteFindingsCache(path, f"rules-{version}")
        cache.put_many([("k", entry)])
        cache.put_walk("walk:1", _walk_state())
        cache.close()
    assert _stored_identities(path) == {"rules-2": 1, "rules-3": 1, "rules-4": 1}
    assert SqliteFindingsCache(path, "rules-1").get_walk("walk:1") is None
    # rules-1 was opened again just now: it is back among the newest, and rules-2 is the oldest
    assert _stored_identities(path) == {"rules-3": 1, "rules-4": 1}
    again = SqliteFindingsCache(path, "rules-3")  # a known identity deletes nothing
    assert again.get_many(["k"]) == {"k": entry}
    assert _stored_identities(path) == {"rules-3": 1, "rules-4": 1}


def test_entries_stored_before_identities_were_recorded_are_kept_for_the_identity_in_use(tmp_path: Path) -> None:
    from sqlite3 import connect

    path = tmp_path / "state.sqlite3"
    SqliteFindingsCache(path, "old").put_many([("k", CachedScan((), 1, 10))])
    SqliteFindingsCache(path, "current").put_many([("k", CachedScan((), 1, 20))])
    with connect(path) as raw:  # as a store written by a release without the identities table
        raw.execute("DELETE FROM identities")
    assert SqliteFindingsCache(path, "current").get_many(["k"]) == {"k": CachedScan((), 1, 20)}
    assert _stored_identities(path) == {"current": 1}


def _walk_state() -> WalkState:
    return WalkState("d" * 64, 1, ("e" * 40,), frozenset({"b" * 40}), {}, {}, (), (), 1, 10, ())
