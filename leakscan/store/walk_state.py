"""Where a history scan's walk ended, kept so that a re-scan after new commits walks only those (--incremental)."""
from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from leakscan.model import Finding, ScanError
from leakscan.store.records import error_from_record, error_record, finding_from_record, finding_record


@dataclass(frozen=True)
class WalkState:
    """What a full walk of the commits `listing_digest` names left behind, before attribution and
    de-duplication: walking only the commits that follow them, from this state, gives the state
    (and so the report) a walk of all of them gives."""

    listing_digest: str  # sha256 of the commit ids walked, oldest first, one a line (git rev-list --reverse)
    commits: int  # how many
    tips: tuple[str, ...]  # the revisions as resolved then (git rev-parse): the new walk excludes them
    seen: frozenset[str]  # every blob introduced
    later: Mapping[str, tuple[tuple[str, str], ...]]  # blob -> (path, commit) of its later additions
    last_at: Mapping[str, str]  # path -> the blob last added there
    findings: tuple[Finding, ...]  # as scanned, without plaintext
    errors: tuple[ScanError, ...]
    scanned: int
    bytes: int
    hidden: tuple[tuple[str, int], ...]  # suppressed findings and skipped blobs, by why


@runtime_checkable
class WalkStates(Protocol):
    """A store that keeps walk states (SqliteFindingsCache does), by key, under its rules."""

    def get_walk(self, key: str) -> WalkState | None: ...

    def put_walk(self, key: str, state: WalkState) -> None: ...


def state_bytes(state: WalkState) -> bytes:
    """Compressed JSON: on rails/rails (227,681 blobs) the blob ids are most of it."""
    data = {
        "listing_digest": state.listing_digest, "commits": state.commits, "tips": list(state.tips),
        "seen": ",".join(sorted(state.seen)), "later": {k: [list(p) for p in v] for k, v in state.later.items()},
        "last_at": dict(state.last_at), "findings": [finding_record(f) for f in state.findings],
        "errors": [error_record(e) for e in state.errors], "scanned": state.scanned, "bytes": state.bytes,
        "hidden": [list(p) for p in state.hidden],
    }
    return zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 1)


def state_from_bytes(blob: bytes) -> WalkState:
    data = json.loads(zlib.decompress(blob))
    return WalkState(
        data["listing_digest"], int(data["commits"]), tuple(data["tips"]),
        frozenset(filter(None, data["seen"].split(","))),
        {k: tuple((str(p), str(c)) for p, c in v) for k, v in data["later"].items()}, dict(data["last_at"]),
        tuple(finding_from_record(r) for r in data["findings"]), tuple(error_from_record(e) for e in data["errors"]),
        int(data["scanned"]), int(data["bytes"]), tuple((str(k), int(v)) for k, v in data["hidden"]))
