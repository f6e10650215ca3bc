"""The findings cache: stored per identity and key, read back equal, never holding a secret."""
from __future__ import annotations

import pickle
from pathlib import Path

from leakscan.model import Finding, Location, Suggestion
from leakscan.store.findings_cache import CachedScan, SqliteFindingsCache
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
