"""Scan git blobs on all cores and attribute findings to the commits that introduced them.

The parent only lists blobs (ids and paths) and hands them out in batches;
each worker owns one persistent `git cat-file --batch` and reads the
contents itself, so blob bytes never pass through the parent and git's
decompression runs in parallel too. At most a few batches are in flight, so
memory stays flat however long the history is.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, replace
from itertools import islice
from typing import Callable, Iterable, Iterator, Optional, Sequence, Union

import pathspec
from multiprocessing.util import Finalize

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Finding, Origin, Report, ScanError, ScanStats
from leakscan.pipeline import scan_chunk, sort_findings
from leakscan.sources.decode import decode, is_binary
from leakscan.sources.files import BINARY_SUFFIXES
from leakscan.sources.git import BlobReader, BlobRef, MissingBlob, Repository, Unreadable, iter_history, staged_blobs
from leakscan.sources.gitlog import Change, CommitInfo, introducing_commits, range_changes
from leakscan.sources.gitsafe import GitRunner

BATCH = 128  # blobs a worker reads and scans per task
SEQUENTIAL_BELOW = 64  # fewer blobs than this are not worth starting workers for
MAX_MISSING_TO_LOCATE = 100  # missing blobs whose path and commit are looked up
MAX_ALSO_AT = 20

Progress = Callable[[int, int], None]  # (blobs done since last call, blobs listed so far)


@dataclass(frozen=True)
class BatchResult:
    findings: tuple[Finding, ...]
    errors: tuple[ScanError, ...]
    scanned: int
    bytes: int


@dataclass
class _Totals:
    findings: list[Finding]
    errors: list[ScanError]
    scanned: int = 0
    bytes: int = 0

    def add(self, result: BatchResult) -> None:
        self.findings.extend(result.findings)
        self.errors.extend(result.errors)
        self.scanned += result.scanned
        self.bytes += result.bytes


# ---- one batch, in a worker (or in-process) ------------------------------------

_ENGINE: Optional[Engine] = None
_RUNNER: Optional[GitRunner] = None
_KIND = "blob"
_READER: Optional[BlobReader] = None


def _init_worker(config: Config, runner: GitRunner, kind: str) -> None:
    global _ENGINE, _RUNNER, _KIND, _READER
    if _ENGINE is None:  # with fork the parent's engine is inherited
        _ENGINE = Engine.build(config)
    _RUNNER, _KIND, _READER = runner, kind, None


def _reader() -> BlobReader:
    global _READER
    if _READER is None:
        assert _RUNNER is not None
        _READER = BlobReader(_RUNNER)
        Finalize(None, _READER.close, exitpriority=10)  # a pool worker exiting closes its cat-file
    return _READER


def scan_batch(batch: Sequence[BlobRef]) -> BatchResult:
    engine = _ENGINE
    assert engine is not None
    findings: list[Finding] = []
    errors: list[ScanError] = []
    scanned = size = 0
    paths = {ref.sha: ref.path for ref in batch}
    for sha, content in _reader().read([ref.sha for ref in batch], engine.config.max_file_size):
        path = paths[sha]
        if isinstance(content, Unreadable):
            errors.append(ScanError(path, f"{content.message} [blob {sha}]"))
            continue
        if is_binary(content):
            continue
        text, exact = decode(content)
        chunk = Chunk(text, Origin(kind=_KIND, path=path, blob=sha))
        try:
            found, errs = scan_chunk(chunk, engine, content if exact else None)
        except Exception as exc:  # one bad blob never stops a scan
            found, errs = [], [ScanError(path, f"scan failed: {type(exc).__name__}: {exc} [blob {sha}]")]
        findings.extend(found)
        errors.extend(errs)
        scanned += 1
        size += len(content)
    return BatchResult(tuple(findings), tuple(errors), scanned, size)


# ---- fanning batches out ---------------------------------------------------------

def scan_blobs(
    runner: GitRunner, items: Iterable[Union[BlobRef, MissingBlob, ScanError]], engine: Engine,
    kind: str = "blob", progress: Optional[Progress] = None,
) -> tuple[_Totals, list[MissingBlob]]:
    """Scan every listed blob once; missing blobs and listing errors are collected, not scanned."""
    global _ENGINE
    totals = _Totals([], [])
    missing: list[MissingBlob] = []
    listed = [0]
    wanted = _wanted(engine.config)

    def blobs() -> Iterator[BlobRef]:
        for item in items:
            if isinstance(item, MissingBlob):
                missing.append(item)
            elif isinstance(item, ScanError):
                totals.errors.append(item)
            elif wanted(item.path):
                listed[0] += 1
                yield item

    stream = blobs()
    head = list(islice(stream, SEQUENTIAL_BELOW))
    jobs = engine.config.jobs or os.cpu_count() or 1
    batches = _batches(head, stream)
    if jobs <= 1 or len(head) < SEQUENTIAL_BELOW:
        _ENGINE = engine
        _init_worker(engine.config, runner, kind)
        try:
            for batch in batches:
                _collect(totals, scan_batch(batch), len(batch), listed, progress)
        finally:
            _close_local_reader()
        return totals, missing
    _run_pool(runner, engine, kind, jobs, batches, totals, listed, progress)
    return totals, missing


def _run_pool(runner: GitRunner, engine: Engine, kind: str, jobs: int, batches: Iterator[list[BlobRef]],
              totals: _Totals, listed: list[int], progress: Optional[Progress]) -> None:
    global _ENGINE
    in_flight = threading.BoundedSemaphore(jobs * 3)  # batches handed out but not yet collected

    def bounded() -> Iterator[list[BlobRef]]:
        for batch in batches:
            in_flight.acquire()
            yield batch

    _ENGINE = engine
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = multiprocessing.get_context(method).Pool(jobs, initializer=_init_worker,
                                                   initargs=(engine.config, runner, kind))
    try:
        for result in pool.imap_unordered(scan_batch, bounded()):
            in_flight.release()
            _collect(totals, result, result.scanned, listed, progress)
        pool.close()  # workers exit normally and close their cat-file processes
        pool.join()
    except BaseException:
        pool.terminate()
        raise
    finally:
        _ENGINE = None


def _collect(totals: _Totals, result: BatchResult, done: int, listed: list[int], progress: Optional[Progress]) -> None:
    totals.add(result)
    if progress:
        progress(done, listed[0])


def _batches(head: list[BlobRef], rest: Iterator[BlobRef]) -> Iterator[list[BlobRef]]:
    pending = list(head)
    for ref in rest:
        pending.append(ref)
        if len(pending) >= BATCH:
            yield pending
            pending = []
    while pending:
        yield pending[:BATCH]
        pending = pending[BATCH:]


def _close_local_reader() -> None:
    global _READER, _ENGINE
    if _READER is not None:
        _READER.close()
    _READER = _ENGINE = None


def _wanted(config: Config) -> Callable[[str], bool]:
    """Skip by path before reading: excluded paths and file types that are never text."""
    exclude = pathspec.GitIgnoreSpec.from_lines(config.exclude) if config.exclude else None

    def wanted(path: str) -> bool:
        if os.path.splitext(path)[1].lower() in BINARY_SUFFIXES:
            return False
        return exclude is None or not exclude.match_file(path)

    return wanted


# ---- the three modes ---------------------------------------------------------------

def scan_history(repo: Repository, revs: Sequence[str], engine: Engine, progress: Optional[Progress] = None) -> Report:
    """Every unique blob reachable from `revs`; findings attributed to their introducing commits."""
    started = time.perf_counter()
    totals, missing = scan_blobs(repo.runner, iter_history(repo.runner, revs), engine, "blob", progress)
    wanted: set[tuple[str, Optional[str]]] = {(f.location.blob or "", f.location.path) for f in totals.findings}
    located = missing[:MAX_MISSING_TO_LOCATE]
    wanted |= {(m.sha, None) for m in located}
    added = introducing_commits(repo.runner, revs, wanted) if wanted else {}
    findings = [_attribute(f, [c.commit for c in added.get((f.location.blob or "", f.location.path), [])])
                for f in totals.findings]
    errors = totals.errors + [_missing_error(m, added.get((m.sha, None), [])) for m in missing]
    return _report(_dedup(findings), errors, totals, started)


def scan_range(repo: Repository, revs: Sequence[str], engine: Engine, progress: Optional[Progress] = None) -> Report:
    """Only the blobs the commits in `revs` added (e.g. a pull request's `base..head`)."""
    started = time.perf_counter()
    changes = range_changes(repo.runner, revs)
    by_key = {(ref.sha, ref.path): commit for ref, commit in changes}
    totals, missing = scan_blobs(repo.runner, (ref for ref, _ in changes), engine, "blob", progress)
    findings = [_attribute(f, [by_key[(f.location.blob or "", f.location.path)]]) for f in totals.findings]
    return _report(_dedup(findings), totals.errors, totals, started)


def scan_staged(repo: Repository, paths: Sequence[str], engine: Engine, progress: Optional[Progress] = None) -> Report:
    """The index content of `paths` (or of every staged change); line numbers are the staged file's."""
    started = time.perf_counter()
    totals, _ = scan_blobs(repo.runner, staged_blobs(repo.runner, paths), engine, "staged", progress)
    return _report(totals.findings, totals.errors, totals, started)


# ---- attribution and the report ---------------------------------------------------------

def _attribute(finding: Finding, commits: list[CommitInfo]) -> Finding:
    if not commits:
        return finding
    first = commits[0]
    extra = dict(finding.location.extra)
    extra.update(author=f"{first.author} <{first.email}>", date=first.date)
    if len(commits) > 1:  # the same blob added at the same path on several branches
        extra["introduced_in"] = " ".join(c.sha for c in commits)
    location = replace(finding.location, commit=first.sha, extra=tuple(sorted(extra.items())))
    return replace(finding, location=location)


def _dedup(findings: list[Finding]) -> list[Finding]:
    """One finding per fingerprint (rule, path, secret): the earliest introduction; later blobs in also_at."""
    by_print: dict[str, list[Finding]] = {}
    for f in findings:
        by_print.setdefault(f.fingerprint, []).append(f)
    out = []
    for group in by_print.values():
        group.sort(key=_introduced_key)
        first, later = group[0], group[1:]
        if later:
            seen = [f"{f.location.path}:{f.location.line}@{(f.location.commit or f.location.blob or '')[:12]}"
                    for f in later[:MAX_ALSO_AT]]
            if len(later) > MAX_ALSO_AT:
                seen.append(f"... {len(later) - MAX_ALSO_AT} more")
            first = replace(first, also_at=first.also_at + tuple(seen))
        out.append(first)
    return out


def _introduced_key(f: Finding) -> tuple:
    date = dict(f.location.extra).get("date", "~")  # unattributed last
    return (date, f.location.commit or "", f.location.blob or "", f.location.line or 0, f.location.column or 0)


def _missing_error(m: MissingBlob, added: list[Change]) -> ScanError:
    message = f"missing object {m.sha} (partial clone or corrupt repository): not scanned"
    if not added:
        return ScanError(f"blob {m.sha}", message)
    first = added[0]
    return ScanError(first.path, f"{message}; added in commit {first.commit.sha}")


def _report(findings: list[Finding], errors: list[ScanError], totals: _Totals, started: float) -> Report:
    return Report(
        findings=tuple(sort_findings(findings)),
        errors=tuple(sorted(errors, key=lambda e: (e.path, e.message))),
        stats=ScanStats(totals.scanned, totals.bytes, round(time.perf_counter() - started, 3), len(errors)),
    )
