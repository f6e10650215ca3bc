"""Walk states: stored per identity and key, read back equal, never holding a secret."""
from __future__ import annotations

import zlib
from pathlib import Path
from sqlite3 import connect

from leakscan.model import Finding, Location, ScanError, Suggestion
from leakscan.store.findings_cache import SqliteFindingsCache
from leakscan.store.walk_state import WalkState, WalkStates
from tests.conftest import fake_github_token


def _state(secret: str) -> WalkState:
    location = Location("app.cfg", 1, 9, 1, 49, commit="c" * 40, blob="b" * 40, extra=(("date", "2024-01-02"),))
    finding = Finding("github.pat.classic", "secret", "GitHub token", "high", 0.97, ("pattern: 0.90",), location,
                      "ghp_****", "sha256:abc", Suggestion("revoke", "Revoke it", "ghp_****"), "sha256:def",
                      secret=secret)
    return WalkState("d" * 64, 3, ("e" * 40,), frozenset({"b" * 40, "a" * 40}),
                     {"b" * 40: (("copy/app.cfg", "f" * 40),)}, {"app.cfg": "b" * 40}, (finding,),
                     (ScanError("lost.txt", "missing object 1234 (partial clone or corrupt repository): not scanned"),),
                     2, 120, (("inline_ignore", 1),))


def test_a_walk_state_round_trips_by_identity_and_key(tmp_path: Path) -> None:
    store = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules-1")
    assert isinstance(store, WalkStates)
    store.put_walk("walk:1", _state(""))
    assert store.get_walk("walk:1") == _state("")
    assert store.get_walk("walk:2") is None
    assert SqliteFindingsCache(tmp_path / "state.sqlite3", "rules-2").get_walk("walk:1") is None  # other rules


def test_a_walk_state_never_holds_the_secret(tmp_path: Path) -> None:
    token = fake_github_token(9)
    store = SqliteFindingsCache(tmp_path / "state.sqlite3", "rules-1")
    store.put_walk("walk:1", _state(token))
    store.close()
    (blob,) = connect(tmp_path / "state.sqlite3").execute("SELECT state FROM walk_state").fetchone()
    assert token[4:20].encode() not in zlib.decompress(blob)
    assert SqliteFindingsCache(tmp_path / "state.sqlite3", "rules-1").get_walk("walk:1") == _state("")
