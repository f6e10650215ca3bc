"""A `leakscan repos` run: units planned, recorded in the state file, resumed, merged into one report."""
from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from leakscan.model import Finding, Report, RepositoryStatus, ScanError, ScanStats
from leakscan.pipeline.findings import sort_findings
from leakscan.pipeline.interruption import INTERRUPTED as INTERRUPTED_ERROR
from leakscan.scale.clone import object_count
from leakscan.scale.targets import Target, is_url
from leakscan.scale.units import (
    FAILED,
    INTERRUPTED,
    SKIPPED,
    Unit,
    UnitResult,
    UnitSettings,
    result_from_record,
    result_record,
)
from leakscan.sources.git.safe import GitError
from leakscan.store.runs import RunStore

Executor = Callable[[Sequence[Unit], UnitSettings, Callable[[UnitResult], None]], None]
Progress = Callable[[int, int, int], None]  # (units done, findings in them, files in them)


@dataclass(frozen=True)
class RunPlan:
    targets: tuple[Target, ...]
    batches: int = 0  # blob batches per repository history; 0: decided per repository (batches_for)
    resume: bool = False

    def units(self, history: bool) -> list[Unit]:
        found = []
        for target in self.targets:
            count = (self.batches or batches_for(target)) if history else 1
            found += [Unit(target, i, count) for i in range(count)]
        return found

    def key(self, settings: UnitSettings, units: Sequence[Unit]) -> str:
        """What --resume matches on: the same repositories, mode, batches and rules-and-config hash."""
        described = {"targets": [[t.name, t.location] for t in self.targets], "history": settings.history,
                     "units": [[u.target.name, u.batch, u.batches] for u in units],
                     "identity": settings.identity}
        return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


BLOBS_PER_BATCH = 50_000  # past this many objects, a history is split so that it does not hold the run
MAX_BATCHES = 16


def batches_for(target: Target) -> int:
    """How many batches a history is split into, by its object count: one for most repositories;
    a local one with hundreds of thousands of objects gets several. A URL is not cloned
    to count, so it is one batch unless --batches says otherwise."""
    if is_url(target.location):
        return 1
    try:
        objects = object_count(target.location)
    except GitError:
        return 1  # the unit reports what is wrong with it
    return max(1, min(MAX_BATCHES, -(-objects // BLOBS_PER_BATCH)))


def run_repos(plan: RunPlan, settings: UnitSettings, store: RunStore, execute: Executor,
              progress: Progress | None = None, units: Sequence[Unit] | None = None) -> Report:
    """Scan every unit not done yet (all of them, unless resuming an interrupted run), record each
    as it finishes, and merge everything the run has into one report. Ctrl-C ends the run with
    the units done so far, marked incomplete; --resume goes on from there."""
    started = time.perf_counter()
    units = units if units is not None else plan.units(settings.history)
    run_id, _ = store.start(plan.key(settings, units), plan.resume)
    results: dict[tuple[str, int], UnitResult] = {}
    reused: set[tuple[str, int]] = set()
    for key, record in store.done(run_id).items():
        results[key] = result_from_record(record)
        reused.add(key)
    todo = [u for u in units if (u.target.name, u.batch) not in results]
    if progress and results:
        progress(len(results), sum(len(r.findings) for r in results.values()), sum(r.files for r in results.values()))

    def on_result(result: UnitResult) -> None:
        if result.status != INTERRUPTED:  # an interrupted unit is scanned again by --resume
            store.record(run_id, result.repository, result.batch, result.status, result_record(result))
        results[(result.repository, result.batch)] = result
        if progress:
            progress(1, len(result.findings), result.files)

    interrupted = False
    try:
        execute(todo, settings, on_result)
    except KeyboardInterrupt:
        interrupted = True
    complete = not interrupted and all(r.status != INTERRUPTED for r in results.values()) \
        and len(results) == len(units)
    if complete:
        store.finish(run_id)
    return merge(plan.targets, units, results, reused, started, complete)


def merge(targets: Sequence[Target], units: Sequence[Unit], results: dict[tuple[str, int], UnitResult],
          reused: set[tuple[str, int]], started: float, complete: bool) -> Report:
    """One report: findings merged by repository and fingerprint (a unit answered twice, by a
    rescheduled task, counts once), errors, counts and one status per repository."""
    findings: dict[tuple[object, ...], Finding] = {}
    errors: list[ScanError] = []
    files = size = 0
    skipped: Counter[str] = Counter()
    suppressed: Counter[str] = Counter()
    for result in results.values():
        for f in result.findings:
            loc = f.location
            findings.setdefault((loc.repository, f.fingerprint, f.rule_id, loc.path, loc.line, loc.column,
                                 loc.commit, loc.pointer), f)
        errors.extend(result.errors)
        files += result.files
        size += result.bytes
        skipped.update(dict(result.skipped))
        suppressed.update(dict(result.suppressed))
    if not complete:
        errors.append(INTERRUPTED_ERROR)
    statuses = tuple(_status(t, [u for u in units if u.target.name == t.name], results, reused) for t in targets)
    # A repository not scanned is an error too: text reports show it, --fail-on-error exits 2 for it.
    errors += [ScanError(s.repository, f"repository not scanned: {s.reason}") for s in statuses if s.status == FAILED]
    ordered = sorted(sort_findings(findings.values()), key=lambda f: f.location.repository or "")
    errors.sort(key=lambda e: (e.path, e.message))
    stats = ScanStats(files, size, round(time.perf_counter() - started, 3), len(errors),
                      tuple(sorted(skipped.items())), not complete, tuple(sorted(suppressed.items())))
    return Report(tuple(ordered), tuple(errors), stats, repositories=statuses)


def _status(target: Target, units: Sequence[Unit], results: dict[tuple[str, int], UnitResult],
            reused: set[tuple[str, int]]) -> RepositoryStatus:
    mine = [results[(target.name, u.batch)] for u in units if (target.name, u.batch) in results]
    keys = [(target.name, u.batch) for u in units]
    workers = tuple(sorted({r.worker for r in mine if r.worker}))
    found = sum(len(r.findings) for r in mine)
    was_reused = bool(mine) and all(k in reused for k in keys)
    not_done = [r for r in mine if r.status in (FAILED, INTERRUPTED)]
    if len(mine) < len(units) or any(r.status == INTERRUPTED for r in mine):
        reason = "; ".join(r.reason for r in not_done if r.reason) or "not scanned: the run was interrupted"
        return RepositoryStatus(target.name, FAILED, f"{reason} (--resume scans it)", found, workers, was_reused)
    if not_done:
        return RepositoryStatus(target.name, FAILED, "; ".join(sorted({r.reason for r in not_done})), found,
                                workers, was_reused)
    if all(r.status == SKIPPED for r in mine):
        return RepositoryStatus(target.name, SKIPPED, mine[0].reason, 0, workers, was_reused)
    return RepositoryStatus(target.name, "scanned", "", found, workers, was_reused)
