"""Baselines: findings a team has accepted, so scans report only new ones.

A leakscan baseline (`.leakscan-baseline.json`) lists findings by fingerprint
(see leakscan/fingerprint.py: rule, path and a hash of a high-entropy secret,
so it survives lines moving; rule, path and place for guessable values such as
PII; HMAC under LEAKSCAN_FINGERPRINT_KEY when set), and stores no plaintext.
Entries written with the older value-only fingerprints still match; `baseline
update` rewrites them. A detect-secrets `.secrets.baseline` is
read as it is: a finding is known when the file and the SHA-1 of its secret
(detect-secrets' `hashed_secret`) appear in its `results`.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from leakscan import __version__
from leakscan.model import Finding
from leakscan.suppression.ds_types import PRIVATE_KEY, secret_forms, type_fits
from leakscan.suppression.fingerprint import value_fingerprint

FORMAT = "leakscan-baseline"
FORMAT_VERSION = 1
# Entry keys leakscan writes; any other key a user added (a note, an owner) is kept on update.
_OWN_KEYS = ("fingerprint", "rule_id", "path", "line", "commit")


class BaselineError(ValueError):
    """An unreadable or malformed baseline file."""


@dataclass(frozen=True)
class Baseline:
    """A baseline file's accepted findings: fingerprints, hashed secrets, entries."""

    path: str
    fingerprints: frozenset[str]
    # detect-secrets: (file, sha1 of the secret) pairs.
    hashed_secrets: frozenset[tuple[str, str]] = frozenset()
    entries: tuple[dict[str, Any], ...] = ()
    # detect-secrets: file -> its results as (type, sha1, line_number).
    ds_results: Mapping[str, tuple[tuple[str | None, str, int | None], ...]] = field(default_factory=dict)

    def __contains__(self, finding: Finding) -> bool:
        if finding.fingerprint in self.fingerprints or legacy_fingerprint(finding) in self.fingerprints:
            return True
        if self.ds_results and finding.secret:
            return _in_detect_secrets(finding, self.ds_results.get(_norm(finding.location.path), ()))
        return False


def _in_detect_secrets(finding: Finding, results: tuple[tuple[str | None, str, int | None], ...]) -> bool:
    """A result in the finding's file whose type fits and whose hash is what that plugin hashed.
    Private-key results hash only the header phrase, so they must also be on the finding's line."""
    for ds_type, hashed, line in results:
        if not type_fits(ds_type, finding.category):
            continue
        if ds_type == PRIVATE_KEY and line is not None and finding.location.line not in (None, line):
            continue
        if any(sha1_secret(form) == hashed for form in secret_forms(ds_type, finding.secret)):
            return True
    return False


def legacy_fingerprint(finding: Finding) -> str:
    """The value-based `sha256:` fingerprint every finding had before keyed and place
    fingerprints: baselines written then still match (computed here, never published)."""
    return value_fingerprint(finding.rule_id, finding.location.path, finding.secret_hash)


def sha1_secret(secret: str) -> str:
    """detect-secrets' `hashed_secret`, computed by detect-secrets itself."""
    from detect_secrets.core.potential_secret import PotentialSecret

    return PotentialSecret.hash_secret(secret)


def _norm(path: str) -> str:
    return path.replace(os.sep, "/").removeprefix("./")


def load_baseline(path: str) -> Baseline:
    """The baseline at `path` (either format); cached per file version, so workers read it once."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    return _load(os.path.abspath(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, size: int) -> Baseline:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BaselineError(f"{path}: baseline is not valid JSON: {exc}") from exc
    if isinstance(data, dict) and data.get("format") == FORMAT:
        return _from_leakscan(path, data)
    if isinstance(data, dict) and isinstance(data.get("results"), dict):
        return _from_detect_secrets(path, data)
    raise BaselineError(f"{path}: neither a leakscan baseline nor a detect-secrets baseline")


def _from_leakscan(path: str, data: dict[str, Any]) -> Baseline:
    if data.get("version") != FORMAT_VERSION:
        raise BaselineError(f"{path}: unsupported leakscan baseline version {data.get('version')!r}")
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
                                                for e in entries):
        raise BaselineError(f"{path}: 'findings' must be a list of objects with a 'fingerprint'")
    return Baseline(path, frozenset(e["fingerprint"] for e in entries), entries=tuple(entries))


def detect_secrets_results(path: str, data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str, str | None]]:
    """Each result of a detect-secrets baseline: its file (as written), the result, its `hashed_secret`
    (sha1 hex, lower case) and its `type`; BaselineError where the document does not have that shape."""
    for filename, secrets in data["results"].items():
        if not isinstance(secrets, list):
            raise BaselineError(f"{path}: results for {filename!r} must be a list")
        for secret in secrets:
            hashed = secret.get("hashed_secret") if isinstance(secret, dict) else None
            if not isinstance(hashed, str):
                raise BaselineError(f"{path}: a result for {filename!r} has no hashed_secret")
            ds_type = secret.get("type") if isinstance(secret.get("type"), str) else None
            yield str(secret.get("filename", filename)), secret, hashed.lower(), ds_type


def _from_detect_secrets(path: str, data: dict[str, Any]) -> Baseline:
    """`results` maps each file to its secrets, each with `type`, `hashed_secret` (sha1 hex), `line_number`."""
    pairs = set()
    by_file: dict[str, list[tuple[str | None, str, int | None]]] = {}
    for filename, secret, hashed, ds_type in detect_secrets_results(path, data):
        name = _norm(filename)
        line = secret.get("line_number") if isinstance(secret.get("line_number"), int) else None
        pairs.add((name, hashed))
        by_file.setdefault(name, []).append((ds_type, hashed, line))
    return Baseline(path, frozenset(), frozenset(pairs), ds_results={k: tuple(v) for k, v in by_file.items()})


# Baseline files hold hashes by construction (detect-secrets' sha1 hex looks like a
# token to some rules), so nothing found in one is reported.
BASELINE_FILE_NAMES = frozenset({".leakscan-baseline.json", ".secrets.baseline"})


def drop_baselined(findings: Iterable[Finding], baseline_path: str | None) -> list[Finding]:
    """Findings neither in the baseline nor inside a baseline file (the one in use, or a well-known name)."""
    names = BASELINE_FILE_NAMES | ({os.path.basename(baseline_path)} if baseline_path else set())
    kept = [f for f in findings if f.location.path.rsplit("/", 1)[-1] not in names]
    if not baseline_path:
        return kept
    baseline = load_baseline(baseline_path)
    return [f for f in kept if f not in baseline]


# ---- writing ------------------------------------------------------------------------

def baseline_document(findings: Iterable[Finding], previous: Baseline | None = None) -> dict[str, Any]:
    """The baseline for `findings`: one entry per fingerprint, sorted; user keys of `previous` kept."""
    kept_keys = {e["fingerprint"]: {k: v for k, v in e.items() if k not in _OWN_KEYS}
                 for e in (previous.entries if previous else ())}
    entries: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f.fingerprint in entries:
            continue
        entry: dict[str, Any] = {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "path": f.location.path,
                                 "line": f.location.line}
        if f.location.commit:
            entry["commit"] = f.location.commit
        # A user's note survives the move from a legacy fingerprint to a keyed or place one.
        entry.update(kept_keys.get(f.fingerprint) or kept_keys.get(legacy_fingerprint(f), {}))
        entries[f.fingerprint] = entry
    ordered = sorted(entries.values(), key=lambda e: (e["path"], e["rule_id"], e.get("line") or 0, e["fingerprint"]))
    return {"format": FORMAT, "version": FORMAT_VERSION, "generated_by": f"leakscan {__version__}",
            "findings": ordered}


@dataclass(frozen=True)
class BaselineChanges:
    """What an update changed in a baseline: entries added, dropped, kept."""

    added: tuple[dict[str, Any], ...]  # entries new in this update
    dropped: tuple[dict[str, Any], ...]  # entries of the previous baseline no longer found
    kept: int


def baseline_changes(previous: Baseline, document: dict[str, Any]) -> BaselineChanges:
    """Entries `document` adds to and drops from `previous`, compared by fingerprint."""
    now = {e["fingerprint"]: e for e in document["findings"]}
    before = {e["fingerprint"]: e for e in previous.entries}
    return BaselineChanges(
        added=tuple(e for fp, e in now.items() if fp not in before),
        dropped=tuple(e for fp, e in before.items() if fp not in now),
        kept=sum(1 for fp in now if fp in before),
    )


def write_baseline(document: dict[str, Any], out_path: str) -> None:
    tmp = f"{out_path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    os.replace(tmp, out_path)
