"""One unit of work (a repository, or one blob batch of its history) scanned where it runs: pool or Dask worker."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, replace
from typing import Any

from leakscan.cache import cache_dir
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Finding, Report, ScanError
from leakscan.pipeline.history import scan_commit_tree, scan_history
from leakscan.scale.clone import CloneError, opened
from leakscan.scale.targets import Target
from leakscan.sources.git.repo import Repository, head_is_valid, resolve_commit, tip_revisions
from leakscan.sources.git.safe import GitError
from leakscan.store.db import default_state_path
from leakscan.store.findings_cache import SqliteFindingsCache
from leakscan.store.records import error_from_record, error_record, finding_from_record, finding_record

SCANNED, FAILED, SKIPPED, INTERRUPTED = "scanned", "failed", "skipped", "interrupted"


@dataclass(frozen=True)
class Unit:
    target: Target
    batch: int = 0  # blob batch i of `batches` (by path) of the repository's history
    batches: int = 1


@dataclass(frozen=True)
class UnitSettings:
    """What every unit of a run shares; it crosses the wire to Dask workers (no secrets in it:
    forge tokens are read from each worker's environment)."""

    config: Config
    history: bool
    identity: str  # rules-and-config hash (scale.identity)
    incremental: bool = True
    cache_path: str | None = None  # findings cache; None: the default state file where the unit runs
    work_dir: str | None = None  # where clones go; None: the system's temporary directory


@dataclass(frozen=True)
class UnitResult:
    repository: str
    batch: int
    status: str  # scanned | failed | skipped | interrupted (never recorded: scanned again on --resume)
    reason: str = ""
    findings: tuple[Finding, ...] = ()
    errors: tuple[ScanError, ...] = ()
    files: int = 0
    bytes: int = 0
    suppressed: tuple[tuple[str, int], ...] = ()
    skipped: tuple[tuple[str, int], ...] = ()
    worker: str = ""


_ENGINES: dict[Config, Engine] = {}  # one per process and configuration: built once, used by every unit


def engine_for(config: Config) -> Engine:
    if config not in _ENGINES:
        _ENGINES[config] = Engine.build(config)
    return _ENGINES[config]


def scan_unit(unit: Unit, settings: UnitSettings, worker: str = "") -> UnitResult:
    """Open (or clone) the repository, scan its tip's files or its history batch, and return the
    findings, each naming the repository. A failure is a result, not an exception."""
    name = unit.target.name
    worker = worker or f"local:{os.getpid()}"
    engine = engine_for(settings.config)
    cache = None
    if settings.incremental:
        cache = SqliteFindingsCache(settings.cache_path or default_state_path(cache_dir()), settings.identity)
    work_dir = settings.work_dir or os.path.join(tempfile.gettempdir(), "leakscan-work")
    try:
        with opened(unit.target, work_dir, settings.history) as repo:
            report = _scan(repo, unit, settings, engine, cache)
    except (CloneError, GitError) as exc:
        return UnitResult(name, unit.batch, FAILED, str(exc), worker=worker)
    finally:
        if cache is not None:
            cache.close()
    if report is None:
        return UnitResult(name, unit.batch, SKIPPED, "no commits", worker=worker)
    return _result(unit, report, worker, engine.config.show_secrets)


def _scan(repo: Repository, unit: Unit, settings: UnitSettings, engine: Engine,
          cache: SqliteFindingsCache | None) -> Report | None:
    if not head_is_valid(repo.runner):
        return None
    if settings.history:
        return scan_history(repo, tip_revisions(repo), engine, cache=cache, batch=(unit.batch, unit.batches))
    return scan_commit_tree(repo, resolve_commit(repo.runner, "HEAD"), engine, cache=cache)


def _result(unit: Unit, report: Report, worker: str, show_secrets: bool) -> UnitResult:
    name = unit.target.name
    findings = tuple(replace(f, location=replace(f.location, repository=name),
                             secret=f.secret if show_secrets else "") for f in report.findings)
    errors = tuple(ScanError(f"{name}:{e.path}", e.message) for e in report.errors)
    status = INTERRUPTED if report.stats.incomplete else SCANNED
    return UnitResult(name, unit.batch, status, "", findings, errors, report.stats.files, report.stats.bytes,
                      report.stats.suppressed, report.stats.skipped, worker)


def result_record(result: UnitResult) -> dict[str, Any]:
    """For the run state: JSON, findings without plaintext."""
    return {"repository": result.repository, "batch": result.batch, "status": result.status,
            "reason": result.reason, "findings": [finding_record(f) for f in result.findings],
            "errors": [error_record(e) for e in result.errors], "files": result.files, "bytes": result.bytes,
            "suppressed": [list(p) for p in result.suppressed], "skipped": [list(p) for p in result.skipped],
            "worker": result.worker}


def result_from_record(record: dict[str, Any]) -> UnitResult:
    return UnitResult(
        record["repository"], record["batch"], record["status"], record["reason"],
        tuple(finding_from_record(f) for f in record["findings"]),
        tuple(error_from_record(e) for e in record["errors"]), record["files"], record["bytes"],
        tuple((str(k), int(v)) for k, v in record["suppressed"]),
        tuple((str(k), int(v)) for k, v in record["skipped"]), record["worker"])
