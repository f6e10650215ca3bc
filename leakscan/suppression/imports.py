"""Other scanners' accepted findings (gitleaks, TruffleHog, detect-secrets) read as places to match leakscan's.

`leakscan baseline import` reads what another scanner reported or was told to
ignore, and keeps the leakscan findings at those places; their fingerprints
become a leakscan baseline (hashes only). Formats, recognised by content:

- `.gitleaksignore`: one gitleaks fingerprint a line, `commit:file:rule:line`
  (git scans) or `file:rule:line` (directory scans); `#` starts a comment;
- a gitleaks JSON report (`--report-format json`): a list of leaks with
  `File`, `StartLine`, `EndLine`, `Commit` and `Secret`;
- a TruffleHog JSON report (`--json`: one object a line, or a list): `Raw`
  and `SourceMetadata.Data.<source>.file/line/commit`;
- a detect-secrets baseline: `results` with `hashed_secret` and `line_number`.

A place matches a finding in the same file (the other scanner's path may carry
the scanned directory in front: the finding's path is matched as its tail),
on a line the finding spans, in the same commit when both name one, and, when
the other scanner reported the value, for the same value (one contains the
other). The values of a report are read to compare and never written.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from leakscan.model import Finding
from leakscan.suppression.baseline import BaselineError, detect_secrets_results, sha1_secret
from leakscan.suppression.ds_types import PRIVATE_KEY, secret_forms, type_fits

_SHA = re.compile(r"^[0-9a-f]{7,64}$")
MIN_OVERLAP = 8  # a shorter value inside another is a coincidence, not the same secret


class ImportFormatError(ValueError):
    """A file that is none of the formats `baseline import` reads, or one of them malformed."""


@dataclass(frozen=True)
class ImportedPlace:
    """One finding another scanner reported or ignores, as a place (and, when it gave one, a value)."""

    source: str  # gitleaksignore | gitleaks | trufflehog | detect-secrets
    path: str
    line: int | None = None
    end_line: int | None = None
    commit: str | None = None
    rule: str = ""  # the other scanner's rule or detector, for messages
    secret: str = field(default="", repr=False, compare=False)  # compared in memory only, never written
    hashed_secret: str | None = None  # detect-secrets: sha1 of what its plugin hashed
    ds_type: str | None = None

    def describe(self) -> str:
        line = f":{self.line}" if self.line else ""
        commit = f" @ {self.commit[:12]}" if self.commit else ""
        return f"{self.source} {self.rule or '?'} {self.path}{line}{commit}"


def _norm(path: str) -> str:
    return path.replace("\\", "/").removeprefix("./")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


# ---- reading ------------------------------------------------------------------------

def read_places(name: str, text: str) -> list[ImportedPlace]:
    """The places in one file's text, whichever of the four formats it is."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        documents = _json_documents(name, stripped)
        if len(documents) == 1 and isinstance(documents[0], dict) and isinstance(documents[0].get("results"), dict):
            return list(_detect_secrets(name, documents[0]))
        items = [item for doc in documents for item in (doc if isinstance(doc, list) else [doc])]
        if all(isinstance(i, dict) and "SourceMetadata" in i for i in items):
            return [_trufflehog(name, i) for i in items]
        if all(isinstance(i, dict) and "RuleID" in i and "File" in i for i in items):
            return [_gitleaks(name, i) for i in items]
        raise ImportFormatError(f"{name}: JSON that is neither a gitleaks or TruffleHog report nor a "
                                "detect-secrets baseline")
    return list(_gitleaksignore(name, text))


def _json_documents(name: str, text: str) -> list[Any]:
    """One JSON document, or JSON lines (TruffleHog writes one object a line)."""
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise ImportFormatError(f"{name}: not valid JSON or JSON lines: {exc}") from exc


def _gitleaksignore(name: str, text: str) -> Iterator[ImportedPlace]:
    for number, raw in enumerate(text.splitlines(), 1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        parts = entry.split(":")
        if len(parts) < 3 or not parts[-1].isdigit():
            raise ImportFormatError(f"{name}:{number}: not a gitleaks fingerprint (commit:file:rule:line "
                                    "or file:rule:line)")
        line, rule = int(parts[-1]), parts[-2]
        commit = parts[0] if len(parts) >= 4 and _SHA.match(parts[0]) else None
        path = ":".join(parts[1 if commit else 0:-2])  # a file name may itself hold ':'
        yield ImportedPlace("gitleaksignore", _norm(path), line or None, None, commit, rule)


def _gitleaks(name: str, leak: dict[str, Any]) -> ImportedPlace:
    path = leak.get("File")
    if not isinstance(path, str) or not path:
        raise ImportFormatError(f"{name}: a gitleaks leak without File")
    secret = leak.get("Secret") if isinstance(leak.get("Secret"), str) else ""
    commit = leak.get("Commit") if isinstance(leak.get("Commit"), str) and leak.get("Commit") else None
    return ImportedPlace("gitleaks", _norm(path), _int(leak.get("StartLine")), _int(leak.get("EndLine")), commit,
                         str(leak.get("RuleID", "")), secret or "")


def _trufflehog(name: str, result: dict[str, Any]) -> ImportedPlace:
    data = (result.get("SourceMetadata") or {}).get("Data") or {}
    origin = next((v for v in data.values() if isinstance(v, dict) and isinstance(v.get("file"), str)), None)
    if origin is None:
        raise ImportFormatError(f"{name}: a TruffleHog result without SourceMetadata.Data.<source>.file")
    commit = origin.get("commit") if isinstance(origin.get("commit"), str) and origin.get("commit") else None
    raw = result.get("Raw") if isinstance(result.get("Raw"), str) else ""
    return ImportedPlace("trufflehog", _norm(origin["file"]), _int(origin.get("line")), None, commit,
                         str(result.get("DetectorName", "")), raw or "")


def _detect_secrets(name: str, baseline: dict[str, Any]) -> Iterator[ImportedPlace]:
    try:
        for filename, result, hashed, ds_type in detect_secrets_results(name, baseline):
            yield ImportedPlace("detect-secrets", _norm(filename), _int(result.get("line_number")), None, None,
                                ds_type or "", "", hashed, ds_type)
    except BaselineError as exc:
        raise ImportFormatError(str(exc)) from exc


# ---- matching -----------------------------------------------------------------------

def _same_file(place: ImportedPlace, path: str) -> bool:
    found = _norm(path)
    return place.path == found or place.path.endswith("/" + found)


def _same_value(place: ImportedPlace, secret: str) -> bool:
    if place.hashed_secret is not None:
        return bool(secret) and any(sha1_secret(form) == place.hashed_secret
                                    for form in secret_forms(place.ds_type, secret))
    if not place.secret or not secret:
        return True  # the place alone (a .gitleaksignore fingerprint, a report without values)
    if place.secret == secret:
        return True
    shorter, longer = sorted((place.secret, secret), key=len)
    return len(shorter) >= MIN_OVERLAP and shorter in longer


def _same_line(place: ImportedPlace, finding: Finding) -> bool:
    if place.hashed_secret is not None and place.ds_type != PRIVATE_KEY:
        return True  # the value's hash identifies it wherever lines moved (as `--baseline` reads detect-secrets)
    if place.line is None or finding.location.line is None:
        return place.line is None
    first = finding.location.line
    last = finding.location.end_line or first
    place_last = place.end_line or place.line
    return place.line <= last and first <= place_last


def _same_commit(place: ImportedPlace, commit: str | None) -> bool:
    return not place.commit or not commit or commit.startswith(place.commit) or place.commit.startswith(commit)


def matches(place: ImportedPlace, finding: Finding) -> bool:
    if place.hashed_secret is not None and not type_fits(place.ds_type, finding.category):
        return False
    return (_same_file(place, finding.location.path) and _same_commit(place, finding.location.commit)
            and _same_line(place, finding) and _same_value(place, finding.secret))


@dataclass(frozen=True)
class ImportResult:
    findings: tuple[Finding, ...]  # the leakscan findings at an imported place
    unmatched: tuple[ImportedPlace, ...]  # imported places where leakscan found nothing


def match_places(places: Iterable[ImportedPlace], findings: Iterable[Finding]) -> ImportResult:
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(_norm(finding.location.path).rsplit("/", 1)[-1], []).append(finding)
    kept: dict[str, Finding] = {}
    unmatched: list[ImportedPlace] = []
    for place in places:
        hits = [f for f in by_file.get(place.path.rsplit("/", 1)[-1], ()) if matches(place, f)]
        for hit in hits:
            kept.setdefault(hit.fingerprint, hit)
        if not hits:
            unmatched.append(place)
    return ImportResult(tuple(kept.values()), tuple(unmatched))
