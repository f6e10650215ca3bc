"""Findings as JSON-ready dicts and back, without the plaintext secret: what the store keeps.

`FindingSpill` keeps a run's findings past a threshold in a private temporary
file as these records' fields by position (JSON lines, sorted runs), and reads
them back merged in the report's order: a capture with 160,000 findings need
not hold them all (only their plaintext values, which stay in memory and never
reach the file).
"""
from __future__ import annotations

import heapq
import itertools
import json
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, overload

from leakscan.model import Finding, Location, ScanError, Suggestion, Verification

SPILL_FROM = 20_000  # findings held in memory before they are written out as one sorted run
MAX_RUNS = 64  # runs of a spill before they are merged into one
# Findings in each later run, once one was written out (at most the threshold): a capture's findings are
# made while its candidates are still held, and 20,000 findings held beside them were the scan's peak.
RUN_SIZE = 4096
_READ_BUFFER = 1 << 16  # bytes each run's reader buffers while the runs are merged


# What a record leaves out, as FindingSpill keeps it in memory: the secret alone (most findings), or
# with the raw places and verification when one of those is set; None for nothing.
Kept = str | tuple[str, str | None, tuple[str, ...] | None, Verification | None] | None


def finding_record(finding: Finding) -> dict[str, Any]:
    """Every field but `secret`, `raw_pointer` and `raw_also_at`: a store never holds a value in full."""
    loc = finding.location
    return {
        "rule_id": finding.rule_id, "category": finding.category, "name": finding.name,
        "severity": finding.severity, "confidence": finding.confidence, "reasons": list(finding.reasons),
        "location": {
            "path": loc.path, "line": loc.line, "column": loc.column, "end_line": loc.end_line,
            "end_column": loc.end_column, "commit": loc.commit, "pointer": loc.pointer, "blob": loc.blob,
            "extra": [list(pair) for pair in loc.extra], "layers": list(loc.layers),
            "repository": loc.repository,
        },
        "masked": finding.masked, "fingerprint": finding.fingerprint,
        "suggestion": [finding.suggestion.action, finding.suggestion.text, finding.suggestion.masked_value],
        "secret_hash": finding.secret_hash, "also_at": list(finding.also_at),
        "related_lines": list(finding.related_lines),
    }


def finding_from_record(record: dict[str, Any], kept: Kept = None) -> Finding:
    """The finding of a record; `kept` gives back what the record leaves out (FindingSpill keeps it)."""
    loc = dict(record["location"])
    extra = tuple((str(k), str(v)) for k, v in loc.pop("extra"))
    layers = tuple(loc.pop("layers"))
    location = Location(**loc, extra=extra, layers=layers)
    action, text, masked_value = record["suggestion"]
    return Finding(
        rule_id=record["rule_id"], category=record["category"], name=record["name"],
        severity=record["severity"], confidence=record["confidence"], reasons=tuple(record["reasons"]),
        location=location, masked=record["masked"], fingerprint=record["fingerprint"],
        suggestion=Suggestion(action, text, masked_value), secret_hash=record["secret_hash"],
        also_at=tuple(record["also_at"]), related_lines=tuple(record.get("related_lines", ())),
        **_unrecorded(kept),
    )


def _spill_row(finding: Finding) -> list[Any]:
    """A spill's record: finding_record's fields by position (a spill is read back by the process that
    wrote it, twice per report of a large capture: no names to parse, no keywords to match)."""
    loc, suggestion = finding.location, finding.suggestion
    return [finding.rule_id, finding.category, finding.name, finding.severity, finding.confidence,
            finding.reasons, [loc.path, loc.line, loc.column, loc.end_line, loc.end_column, loc.commit, loc.pointer,
                              loc.blob, loc.extra, loc.layers, loc.repository],
            finding.masked, finding.fingerprint, [suggestion.action, suggestion.text, suggestion.masked_value],
            finding.secret_hash, finding.also_at, finding.related_lines]


def _from_spill_row(row: list[Any], kept: Kept) -> Finding:
    (rule_id, category, name, severity, confidence, reasons, loc, masked, fingerprint, suggestion, secret_hash,
     also_at, related_lines) = row
    path, line, column, end_line, end_column, commit, pointer, blob, extra, layers, repository = loc
    location = Location(path, line, column, end_line, end_column, commit, pointer, blob,
                        tuple((str(k), str(v)) for k, v in extra), tuple(layers), repository)
    return Finding(rule_id, category, name, severity, confidence, tuple(reasons), location, masked, fingerprint,
                   Suggestion(*suggestion), secret_hash, also_at=tuple(also_at), related_lines=tuple(related_lines),
                   **_unrecorded(kept))


def _kept(finding: Finding) -> Kept:
    if finding.raw_pointer is None and finding.raw_also_at is None and finding.verification is None:
        return finding.secret or None
    return finding.secret, finding.raw_pointer, finding.raw_also_at, finding.verification


def _unrecorded(kept: Kept) -> dict[str, Any]:
    if kept is None:
        return {}
    if isinstance(kept, str):
        return {"secret": kept}
    secret, raw_pointer, raw_also_at, verification = kept
    return {"secret": secret, "raw_pointer": raw_pointer, "raw_also_at": raw_also_at, "verification": verification}


def error_record(error: ScanError) -> list[str]:
    return [error.path, error.message]


def error_from_record(record: list[str]) -> ScanError:
    return ScanError(record[0], record[1])


class FindingSpill(Sequence[Finding]):
    """Findings added in any order, read back in `order` (stable: equal keys in the order added).

    Up to `threshold` are held; each time that many are held they are sorted and written out as
    one run of records (no secret, no raw places) to a file in a private directory (0700, the file
    0600), removed by `close` or when the spill is collected. What a record leaves out (the secret,
    the raw places, a verification) is kept in memory beside the run, so a finding comes back equal
    in every field: reports, --show-secrets, verification and the inventory's masking see the same
    findings. Iterating merges the runs and what is held; it can be done again, and more added
    between. Another spill added (a document's findings added to a run's) gives its runs and files
    over as they are, unread."""

    def __init__(self, order: Callable[[Finding], Any], threshold: int = SPILL_FROM) -> None:
        self._order = order
        self._threshold = max(1, threshold)
        self._held: list[Finding] = []
        self._runs: list[tuple[str, int, list[Kept]]] = []  # (file, offset, what each record leaves out)
        self._file: IO[bytes] | None = None  # the file runs are written to
        self._folder = ""
        self._path = ""  # the file's
        self._files = 0
        self._spilled = 0
        # One per folder: this spill's own and those given over to it.
        self._removers: list[weakref.finalize[[str], FindingSpill]] = []

    def add(self, findings: Iterable[Finding]) -> None:
        if isinstance(findings, FindingSpill):
            self._take_over(findings)
            return
        for finding in findings:
            self._held.append(finding)
            if len(self._held) >= (min(self._threshold, RUN_SIZE) if self._runs else self._threshold):
                self._write_run()

    def __len__(self) -> int:
        return self._spilled + len(self._held)

    def __bool__(self) -> bool:
        return bool(self._spilled or self._held)

    def __contains__(self, finding: object) -> bool:
        return any(finding == other for other in self)

    @overload
    def __getitem__(self, index: int) -> Finding: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Finding]: ...

    def __getitem__(self, index: int | slice) -> Finding | Sequence[Finding]:
        """By position in the report's order (reads the runs up to it: for a caller that looks at a few)."""
        if isinstance(index, int) and index >= 0:
            found = next(itertools.islice(self, index, None), None)
            if found is None:
                raise IndexError(index)
            return found
        return tuple(self)[index]

    def settled(self) -> Sequence[Finding]:
        """The findings as a tuple when none was written out (most scans), else the spill itself."""
        return self if self._runs else tuple(self)

    def __iter__(self) -> Iterator[Finding]:
        """A generator: it keeps the spill (and so its files) alive while it is read."""
        self._held.sort(key=self._order)
        if not self._runs:
            yield from list(self._held)
            return
        runs = [_read_run(path, offset, kept) for path, offset, kept in self._runs]
        yield from heapq.merge(*runs, list(self._held), key=self._order)

    def close(self) -> None:
        """Remove the files (the findings held in memory stay readable)."""
        if self._file is not None:
            self._file.close()
        for remove in self._removers:
            remove()
        self._file, self._folder, self._runs, self._spilled, self._removers = None, "", [], 0, []

    def __enter__(self) -> FindingSpill:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _take_over(self, other: FindingSpill) -> None:
        if other._runs and self._held:
            self._write_run()  # what was added before the other's findings stays before them among equals
        self._runs += other._runs
        self._spilled += other._spilled
        for remove in other._removers:  # the files are removed when this spill goes, not the other
            detached = remove.detach()
            if detached is not None:
                self._removers.append(weakref.finalize(self, _remove_folder, *detached[2]))
        held, other._held = other._held, []
        other._file, other._folder, other._runs, other._spilled, other._removers = None, "", [], 0, []
        self.add(held)
        self._bound_runs()

    def _write_run(self) -> None:
        self._held.sort(key=self._order)
        self._write(self._held, self._file or self._open())
        self._spilled += len(self._held)
        self._held = []
        self._bound_runs()

    def _bound_runs(self) -> None:
        """Runs merged into one when there are MAX_RUNS: reading opens a file for each."""
        if len(self._runs) < MAX_RUNS:
            return
        runs, self._runs = self._runs, []
        self._write(heapq.merge(*(_read_run(*run) for run in runs), key=self._order), self._open())
        for path in {path for path, _, _ in runs}:
            os.remove(path)

    def _write(self, findings: Iterable[Finding], stream: IO[bytes]) -> None:
        offset, kept = stream.tell(), []
        for finding in findings:
            # ASCII: a lone surrogate (a JSON escape in a capture) cannot be encoded as UTF-8.
            stream.write(json.dumps(_spill_row(finding)).encode("ascii") + b"\n")
            kept.append(_kept(finding))
        stream.flush()
        self._runs.append((self._path, offset, kept))

    def _open(self) -> IO[bytes]:
        """A new file for runs, in this spill's private folder."""
        if not self._folder:
            self._folder = tempfile.mkdtemp(prefix="leakscan-spill-")  # 0700: only this user can list or open it
            self._removers.append(weakref.finalize(self, _remove_folder, self._folder))  # at exit too
        if self._file is not None:
            self._file.close()
        self._files += 1
        self._path = os.path.join(self._folder, f"runs-{self._files}.jsonl")
        self._file = os.fdopen(os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
        return self._file


def _read_run(path: str, offset: int, kept: list[Kept]) -> Iterator[Finding]:
    with open(path, "rb", buffering=_READ_BUFFER) as stream:
        stream.seek(offset)
        for unrecorded in kept:
            yield _from_spill_row(json.loads(stream.readline()), unrecorded)


def _remove_folder(folder: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
