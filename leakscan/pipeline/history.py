"""Scan a git history (or a range of it, or the index) on all cores; attribute findings to commits.

The parent walks the history oldest first (tree diffs only: sources/gitlog.py)
and hands each unique blob, with the commit that introduced it and the blobs it
replaced, to a worker chosen by the blob's path. A worker owns one persistent
`git cat-file --batch` and reads contents itself, so blob bytes never pass
through the parent and git's decompression runs in parallel too. Because one
worker sees all the versions of a path, it keeps the recent ones and scans
only what each version adds to the one it replaced (see sources/blobdelta.py).
Task queues are short, so memory stays flat however long the history is.
"""
from __future__ import annotations

import functools
import gc
import hashlib
import importlib
import math
import os
import queue
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import chain, islice
from typing import TYPE_CHECKING, TypeAlias

from leakscan.analyzers.registry import document_scanner_for, marker_ends, might_be_document
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Finding, Origin, Report, ScanError, ScanStats
from leakscan.pipeline.interruption import INTERRUPTED, worker_signals
from leakscan.sources.decode import decode, first_significant, is_binary
from leakscan.sources.encodings import has_encoded_value
from leakscan.sources.git.blobdelta import (
    Fresh,
    Region,
    Version,
    VersionCache,
    changed_bytes,
    changed_lines,
    changed_region,
    fresh_part,
)
from leakscan.sources.git.log import Change, CommitInfo, commit_info, iter_changes
from leakscan.sources.git.repo import NOT_A_BLOB, BlobReader, Repository, Unreadable, staged_blobs, tree_blobs
from leakscan.sources.git.safe import GitError, GitRunner
from leakscan.sources.suffixes import ARCHIVE_SUFFIXES, BINARY_SUFFIXES

# What only some scans reach is imported where it is needed (issue 20.3): `leakscan staged` on a
# plain text file loads no worker pool (multiprocessing), no --exclude matcher (pathspec), no
# archive readers, no findings stages (scoring, masking, suppression) and no findings store (sqlite3).
if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess
    from multiprocessing.queues import Queue as ProcessQueue

    from leakscan.pipeline.archives import ArchiveResult
    from leakscan.store.findings_cache import CachedScan, FindingsCache
    from leakscan.store.walk_state import WalkState, WalkStates

BATCH = 512  # blobs a worker reads and scans per task
SEQUENTIAL_BELOW = 64  # fewer blobs than this are not worth starting workers for
IN_FLIGHT = 4  # batches queued per worker
WORKER_YOUNG_COLLECTION = 10_000  # allocations between a worker's young-generation collections
VERSION_CACHE_BUDGET = 28 * 1024 * 1024  # bytes of recently read versions a worker keeps to compare with
MAX_ALSO_AT = 20
MAX_PATHS_REMEMBERED = 1 << 16  # paths whose wanted-or-not answer the walk keeps (the least recent forgotten)
RULE_PACKS = "rule_packs"  # stats.skipped reason, as in tree scans: a scanner's rule pack or baseline

Progress = Callable[[int, int, int], None]  # (blobs done since last call, blobs listed so far, findings so far)


@dataclass(frozen=True)
class BlobTask:
    """One blob version to scan at its path, with what it is compared against."""

    sha: str
    path: str
    commit: str | None = None  # the commit that introduced the blob at this path
    bases: tuple[str, ...] = ()  # the blobs it replaced at this path: each parent's (a merge has several)
    # For a path no parent had (added, or added back): the version last added at the path earlier
    # in the walk, compared with instead. Set by the walk, so the same for any worker or cache.
    previous: str | None = None

    @property
    def references(self) -> tuple[str, ...]:
        """The versions this one is compared with: what it replaced, else the path's previous version."""
        return self.bases or ((self.previous,) if self.previous else ())


@dataclass(frozen=True)
class BatchResult:
    """What a worker found in one batch of blob versions."""

    findings: tuple[Finding, ...]
    errors: tuple[ScanError, ...]
    scanned: int
    bytes: int
    done: int  # tasks handled (scanned or skipped)
    suppressed: tuple[tuple[str, int], ...] = ()  # findings a baseline or an ignore comment hid (SUPPRESSIONS)
    skipped: tuple[tuple[str, int], ...] = ()  # blobs left out, by reason (a scanner's rule pack)


_DONE = "done"  # a worker's last message


# ---- scanning blobs, in a worker (or in-process) ----------------------------------

class BlobScanner:
    """Reads and scans blobs; with `incremental`, only what each version adds to the one it replaced."""

    def __init__(self, engine: Engine, runner: GitRunner, kind: str, incremental: bool) -> None:
        self.engine = engine
        self.kind = kind
        self.reader = BlobReader(runner, loose=kind == "staged")  # a hook's blobs were just staged: loose
        self.versions = VersionCache(VERSION_CACHE_BUDGET) if incremental else None
        # The versions this batch's tasks are compared with, held from when they are found (in the
        # cache, or read) until their last task is scanned: what the cache evicts meanwhile never
        # changes what a version is compared with, so neither does a worker's share of the paths.
        self._pinned: dict[str, Version] = {}
        self._uses: Counter[str] = Counter()

    def close(self, kill: bool = False) -> None:
        self.reader.close(kill)

    def scan(self, batch: Sequence[BlobTask]) -> BatchResult:
        findings: list[Finding] = []
        errors: list[ScanError] = []
        scanned = size = 0
        tally: Counter[str] = Counter()  # suppressed findings and skipped blobs, by why
        self._pinned.clear()  # (a batch that failed may have left some)
        self._uses.clear()
        requests, bases_first = self._requests(batch)
        answers = self.reader.read(requests, self.engine.config.max_file_size)
        for index, task in enumerate(batch):
            if index:
                self._release(batch[index - 1])
            for _ in range(bases_first.get(index, 0)):  # replaced versions first: what this one is compared with
                sha, base = next(answers)
                if self.versions is not None and isinstance(base, bytes):
                    self.versions.put(version := Version(sha, task.path, base))
                    self._pin(version)
            sha, content = next(answers)
            if sha in self._uses and isinstance(content, bytes):  # a later task of the batch is compared with it
                self._pinned[sha] = Version(sha, task.path, content)
            if content is NOT_A_BLOB:
                continue
            if isinstance(content, Unreadable):
                errors.append(ScanError(task.path, _where(f"{content.message} [blob {sha}", task)))
                continue
            if is_binary(content):  # an archive is opened: its members are scanned once per blob (issue 14.5)
                inside = self._scan_container(task, content, tally)
                if inside is not None:
                    findings.extend(inside.findings)
                    errors.extend(ScanError(e.path, _where(f"{e.message} [blob {sha}", task)) for e in inside.errors)
                    scanned, size = scanned + 1, size + len(content)
                continue
            self.engine.matcher.start_file(task.path)  # each blob its own time budget for backtracking rules
            found, errs = self._scan_one(task, content, tally)
            findings.extend(found)
            errors.extend(errs)
            if skipped_work := self.engine.matcher.take_errors():
                errors.extend(ScanError(e.path, _where(f"{e.message} [blob {sha}", task)) for e in skipped_work)
            scanned += 1
            size += len(content)
        skipped = tally.pop(RULE_PACKS, 0)
        self._pinned.clear()
        return BatchResult(tuple(findings), tuple(errors), scanned, size, len(batch), _suppressed(tally),
                           ((RULE_PACKS, skipped),) if skipped else ())

    def _requests(self, batch: Sequence[BlobTask]) -> tuple[list[str], dict[int, int]]:
        """Blob ids to read; before a task, the versions it is compared with that are neither in
        the cache (pinned now) nor read earlier in the batch, and how many of those there are, by
        task index."""
        requests: list[str] = []
        bases_first: dict[int, int] = {}
        coming: set[str] = set()
        for index, task in enumerate(batch):
            if self.versions is not None:
                self._uses.update(task.references)
                for base in task.references:
                    if base in coming or base in self._pinned:
                        continue
                    cached = self.versions.get(base)
                    if cached is not None:
                        self._pinned[base] = cached
                        continue
                    bases_first[index] = bases_first.get(index, 0) + 1
                    requests.append(base)
                    coming.add(base)
            coming.add(task.sha)
            requests.append(task.sha)
        return requests, bases_first

    def _pin(self, version: Version) -> None:
        if version.sha in self._uses:  # only what a task of the batch not yet scanned is compared with
            self._pinned[version.sha] = version

    def _release(self, task: BlobTask) -> None:
        """After `task`: a version no later task of the batch is compared with is let go."""
        for sha in task.references if self.versions is not None else ():
            self._uses[sha] -= 1
            if self._uses[sha] <= 0:
                del self._uses[sha]
                self._pinned.pop(sha, None)

    def _references(self, task: BlobTask) -> tuple[Version | None, list[bytes]]:
        """The version to compare with: the one this replaced (the first parent's), or for a path
        added anew the path's previous version in the walk; and a merge's other parents'
        versions, whose lines are not new either. Any version scanned before will do (what it
        holds was reported there); the replaced one differs least. Only these, never whatever a
        worker happens to hold: the report must not depend on the cache or the scheduling."""
        if self.versions is None or not task.references:
            return None, []
        first, *others = (self._pinned.get(sha) for sha in task.references)
        return first, [v.data for v in others if v is not None]

    def _scan_container(self, task: BlobTask, content: bytes, tally: Counter[str]) -> ArchiveResult | None:
        if not self.engine.config.archives:
            return None
        from leakscan.pipeline.archives import scan_container

        origin = Origin(kind=self.kind, path=task.path, commit=task.commit, blob=task.sha)
        return scan_container(content, origin, self.engine, tally)

    def _scan_one(self, task: BlobTask, content: bytes,
                  tally: Counter[str]) -> tuple[list[Finding], list[ScanError]]:
        """Most blobs end at the prefilter: nothing in what they change can match any rule.
        Only the rest are decoded, compared line by line and scanned; a scanner's rule pack or
        baseline is left out (counted in `tally`) unless the config asks for them."""
        reference, others = self._references(task)
        old = reference.data if reference is not None else None
        region = changed_region(old, content)
        changed = changed_lines(old, content, region)
        document = self._might_be_document(task, content, changed, region, reference)
        if not document and not self._might_hold_secrets(changed, task.path):
            return [], []
        fresh = fresh_part(old, content, region, others) if self.versions is not None else None
        if self.versions is not None and fresh is None:  # every line was in the version compared with
            return [], []
        from leakscan.analyzers.rule_files import rule_file_kind
        from leakscan.pipeline.findings import document_findings

        origin = Origin(kind=self.kind, path=task.path, commit=task.commit, blob=task.sha)
        try:
            packs = self.engine.config.scan_rule_packs
            text = decode(content)[0] if document or not packs else ""
            # Only the new lines are scanned further (a blob a document scanner claims is rare), so the
            # rule-file test looks for its own literals rather than pay the whole text's marks pass.
            if not packs and rule_file_kind(task.path, text, content, scanned_whole=False):
                tally[RULE_PACKS] += 1  # a scanner's patterns and samples, not leaks (as in tree scans)
                return [], []
            if document:
                scanner = document_scanner_for(task.path, text, might_be=True)
                if scanner is not None:  # structured documents are analysed whole
                    result = scanner.scan(Chunk(text, origin), self.engine)
                    return document_findings(result.candidates, result.errors, self.engine, tally)
            return self._scan_fresh(fresh or Fresh(0, content), origin, tally), []
        except Exception as exc:  # one bad blob never stops a scan
            from leakscan.masking.sanitize import exception_text

            why = f"scan failed: {exception_text(exc, self.engine)} [blob {task.sha}"
            return [], [ScanError(task.path, _where(why, task))]

    def _might_be_document(self, task: BlobTask, content: bytes, changed: bytes, region: Region | None,
                           reference: Version | None) -> bool:
        """Whether a document scanner may claim this version. When the version compared with
        was plain text without a marker, only its changed lines are searched (`changed`): a
        marker has no newline, so one that the old version lacked lies on a line it lacked; a
        marker found there is looked for again in the region, for its offset. A first byte
        before the region is the other version's first byte."""
        if region is not None and reference is not None and reference.note is False and reference.path == task.path:
            ends = _shifted(marker_ends(changed_bytes(content, region)), region.start) if marker_ends(changed) else {}
            if not ends and 0 <= first_significant(content) < region.start:
                self._keep(task, content, False)
                return False
        else:
            ends = marker_ends(content)
        document = might_be_document(task.path, content, ends)
        self._keep(task, content, document or bool(ends))
        return document

    def _keep(self, task: BlobTask, content: bytes, note: bool) -> None:
        """Remember this version for the versions that replace it, with the note whether they
        need a look at all of themselves for document markers."""
        if self.versions is not None:
            self.versions.put(version := Version(task.sha, task.path, content, note))
            self._pin(version)

    def _might_hold_secrets(self, data: bytes, path: str) -> bool:
        """Whether the prefilter passes the changed text, or (decoding being on, as in tree scans) it
        assigns a value encoded as base64, percent-encoding or escapes, which the prefilter cannot see
        through. The text is decoded once for both questions."""
        text, exact = decode(data)
        if self.engine.matcher.could_match(text, path, data if exact else None):
            return True
        return self.engine.config.decode and has_encoded_value(text, data if exact else None)

    def _scan_fresh(self, fresh: Fresh, origin: Origin, tally: Counter[str]) -> list[Finding]:
        """The new lines only, at their line numbers; what is found only in context lines is old.
        (A whole blob is a Fresh whose every line is new.)"""
        from leakscan.pipeline.decoded import decoded_candidates
        from leakscan.pipeline.findings import findings_from

        text, exact = decode(fresh.data)
        chunk = Chunk(text, replace(origin, line_offset=fresh.line_offset))
        candidates = self.engine.candidates(chunk, fresh.data if exact else None)
        if self.engine.config.decode:  # values in base64, percent-encoding or escapes, as in tree scans
            candidates.extend(decoded_candidates(chunk, self.engine))
        found = findings_from(candidates, self.engine.config, self.engine, tally)
        return [f for f in found if fresh.is_new(f.location.line or 0, f.location.end_line or 0)]


def _shifted(ends: dict[bytes, int], offset: int) -> dict[bytes, int]:
    """Marker ends found in a changed region, as offsets in the whole blob. When the version
    compared with held no marker, the changed region is the only place a marker can be: a
    marker has no newline, so one that overlaps a change lies inside the region's whole lines."""
    return {marker: end + offset for marker, end in ends.items()}


def _where(message: str, task: BlobTask) -> str:
    return message + (f", added in commit {task.commit}]" if task.commit else "]")


# ---- fanning out: one worker per shard of paths -------------------------------------

_ENGINE: Engine | None = None  # the parent's engine, inherited by forked workers
# What a worker's first candidate, document, rule pack or archive would import (with the data tables
# those imports load): imported by the parent before it forks workers. A scan in one process (a
# pre-commit run) imports them only when it comes to need them.
WORKER_MODULES = ("leakscan.pipeline.findings", "leakscan.pipeline.decoded", "leakscan.pipeline.archives",
                  "leakscan.analyzers.rule_files", "leakscan.masking.sanitize")
# Quoted: multiprocessing's Queue takes type arguments only in annotations, not at run time.
_Inbox: TypeAlias = "ProcessQueue[list[BlobTask] | None]"  # batches to scan, then None
_Outbox: TypeAlias = "ProcessQueue[BatchResult | str]"  # each batch's result, then _DONE


def _worker_main(inbox: _Inbox, outbox: _Outbox, config: Config, runner: GitRunner, kind: str,
                 incremental: bool) -> None:
    worker_signals(clean_exit=True)
    # Young objects are collected every 10,000 allocations instead of 700: a worker makes a few
    # short-lived records per blob and no cycles among them; on rails/rails its collector ran
    # 500-1,500 times for 0.2-0.5 s, at 10,000 3-24 times for 0.02-0.07 s.
    gc.set_threshold(WORKER_YOUNG_COLLECTION, *gc.get_threshold()[1:])
    scanner = blob_scanner(_ENGINE or Engine.build(config), runner, kind, incremental)
    try:
        while (batch := inbox.get()) is not None:
            try:
                outbox.put(scanner.scan(batch))
            except Exception as exc:  # noqa: BLE001 - reported, and the worker goes on
                error = ScanError(batch[0].path, f"worker failed on a batch: {type(exc).__name__}: {exc}")
                outbox.put(BatchResult((), (error,), 0, 0, len(batch)))
    except SystemExit:  # stopped by the parent (SIGTERM): it reads nothing more; no git left behind
        outbox.cancel_join_thread()
        scanner.close(kill=True)
        raise
    scanner.close()
    outbox.put(_DONE)


@dataclass
class Totals:
    """Findings, errors and counts gathered from the batches of a history scan."""

    findings: list[Finding]
    errors: list[ScanError]
    scanned: int = 0
    bytes: int = 0
    listed: int = 0
    hidden: Counter[str] = field(default_factory=Counter)  # suppressed findings and skipped blobs, by why
    _lock: threading.Lock = field(default_factory=threading.Lock)  # one collector thread per worker adds

    def add(self, result: BatchResult, progress: Progress | None) -> None:
        with self._lock:
            self.findings.extend(result.findings)
            self.errors.extend(result.errors)
            self.scanned += result.scanned
            self.bytes += result.bytes
            self.hidden.update(dict(result.suppressed + result.skipped))
            if progress:
                progress(result.done, self.listed, len(self.findings))


def scan_tasks(runner: GitRunner, tasks: Iterable[BlobTask], engine: Engine, kind: str, incremental: bool,
               progress: Progress | None = None, totals: Totals | None = None) -> Totals:
    """Scan every task's blob once; the versions of one path always go to the same worker, in order.

    Into `totals` when given: if the scan is interrupted (KeyboardInterrupt, raised on), what
    was found so far is there."""
    totals = totals if totals is not None else Totals([], [])

    def counted() -> Iterator[BlobTask]:
        for task in tasks:
            totals.listed += 1
            yield task

    stream = counted()
    head = list(islice(stream, SEQUENTIAL_BELOW))
    jobs = engine.config.jobs or os.cpu_count() or 1
    if jobs <= 1 or len(head) < SEQUENTIAL_BELOW:
        scanner = blob_scanner(engine, runner, kind, incremental)
        try:
            for batch in _chunks(chain(head, stream), BATCH):
                totals.add(scanner.scan(batch), progress)
        finally:
            scanner.close()
        return totals
    lost = _fan_out(chain(head, stream), jobs, engine, runner, kind, incremental, totals, progress)
    _retry(lost, engine, runner, kind, incremental, totals, progress)
    return totals


MAX_RETRY_WORKERS = 20


def _retry(lost: list[BlobTask], engine: Engine, runner: GitRunner, kind: str, incremental: bool,
           totals: Totals, progress: Progress | None) -> None:
    """The blobs of workers that died (killed, out of memory), again, one at a time on a new
    worker: when that one dies too, the blob it was scanning is reported, and the rest go on.
    (Sent one at a time, a blob is answered before the next goes out.)"""
    workers = 0
    while lost and workers < MAX_RETRY_WORKERS:
        lost = _fan_out(iter(lost), 1, engine, runner, kind, incremental, totals, progress, batch_size=1)
        workers += 1
        if lost:  # a worker answers in order: it died on the first blob it did not answer
            totals.errors.append(_not_scanned(lost.pop(0), "a scan worker died on this blob, also when retried"))
    for task in lost:
        totals.errors.append(_not_scanned(task, "scan workers kept dying"))


def _not_scanned(task: BlobTask, why: str) -> ScanError:
    return ScanError(task.path, _where(f"not scanned: {why} [blob {task.sha}", task))


def _fan_out(tasks: Iterator[BlobTask], jobs: int, engine: Engine, runner: GitRunner, kind: str,
             incremental: bool, totals: Totals, progress: Progress | None, batch_size: int = 0) -> list[BlobTask]:
    """Scan on `jobs` workers; returns the tasks of workers that died before finishing them.

    Each worker answers its batches in order, so the batches sent to a worker and not yet
    answered when it dies are exactly the ones it took with it."""
    global _ENGINE
    import multiprocessing

    fork = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
    inboxes = [ctx.Queue(maxsize=IN_FLIGHT) for _ in range(jobs)]
    for inbox in inboxes:  # at exit, never wait to flush batches to a worker that died: it would hang
        inbox.cancel_join_thread()
    unanswered: list[deque[list[BlobTask]]] = [deque() for _ in range(jobs)]
    # One outbox per worker: a worker killed while its queue's feeder thread holds the write
    # lock would otherwise leave every other worker unable to report, and the scan hanging.
    outboxes = [ctx.Queue() for _ in range(jobs)]
    _ENGINE = engine
    if fork:  # the engine's objects stay shared with the workers, not copied page by page
        for name in WORKER_MODULES:  # as are these, instead of each worker importing them again
            importlib.import_module(name)
        gc.freeze()
    try:
        workers = [ctx.Process(target=_worker_main, daemon=True,
                               args=(inbox, outbox, engine.config, runner, kind, incremental))
                   for inbox, outbox in zip(inboxes, outboxes, strict=False)]
        for worker in workers:  # not while a thread is starting git: see gitsafe's _spawn_lock
            worker.start()
    finally:
        _ENGINE = None
        gc.unfreeze()
    router = Router(jobs)
    collectors = [threading.Thread(target=_collect, daemon=True,
                                   args=(index, outbox, worker, totals, router, progress, unanswered[index]))
                  for index, (outbox, worker) in enumerate(zip(outboxes, workers, strict=False))]
    for collector in collectors:
        collector.start()
    collecting = _pause_collector()
    try:
        pending: list[list[BlobTask]] = [[] for _ in range(jobs)]
        for task in tasks:
            shard = router.route(task.path)
            pending[shard].append(task)
            if len(pending[shard]) >= (batch_size or BATCH):
                if batch_size == 1:  # one at a time: a worker that dies, dies on the one it holds
                    _await_answers(unanswered[shard], workers[shard])
                unanswered[shard].append(pending[shard])
                _put(inboxes[shard], pending[shard], workers[shard])
                pending[shard] = []
        for shard, batch in enumerate(pending):
            if batch:
                unanswered[shard].append(batch)
                _put(inboxes[shard], batch, workers[shard])
            _put(inboxes[shard], None, workers[shard])
        for collector, worker in zip(collectors, workers, strict=False):
            while collector.is_alive() and worker.is_alive():
                collector.join(timeout=0.5)
            # The worker has ended: what is left in its pipe is read in moments. A worker killed
            # halfway through writing a result leaves the collector waiting for the rest forever.
            collector.join(timeout=5)
        for worker in workers:  # done, so exiting; one whose collector failed cannot flush: ended below
            worker.join(timeout=30)
    finally:  # also when interrupted: no worker (nor its git) outlives the scan
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
                worker.join()
        for collector in collectors:  # they see their worker gone and stop adding to totals
            collector.join(timeout=5)
        if collecting:
            gc.enable()
    return [task for shard in unanswered for batch in shard for task in batch]


def _pause_collector() -> bool:
    """Stop the cyclic garbage collector while the parent walks and routes; True if it was on.

    The walk's tables (blobs seen, each path's last blob and worker, later additions) grow to
    hundreds of thousands of entries, which the collector traversed again and again without
    finding garbage: on rails/rails 565 collections took 0.9-1.2 s of the parent's 3 s of CPU.
    Nothing the walk makes refers to itself, so reference counting frees all of it. The
    workers, started before, keep their collector."""
    was_on = gc.isenabled()
    gc.disable()
    return was_on


def _await_answers(unanswered: deque[list[BlobTask]], worker: BaseProcess) -> None:
    """Until the worker has answered all it was sent (or died: answers it had not yet written
    out die with it, so only one batch at a time tells which one it died on)."""
    while unanswered and worker.is_alive():
        time.sleep(0.001)


def _put(inbox: _Inbox, item: list[BlobTask] | None, worker: BaseProcess) -> None:
    """Queue a batch; a worker that has died gets nothing more (its batches count as lost)."""
    while worker.is_alive():
        try:
            inbox.put(item, timeout=1)
            return
        except queue.Full:
            continue


class Router:
    """Which worker a task goes to. All versions of a path go to the worker that has the
    path's last version (it scans only what each adds); a path seen for the first time goes
    to the worker with the least work outstanding, so a worker slowed by heavy files is not
    handed more (with a fixed split by path, one worker ran 20% longer than the other)."""

    # Past this many paths, start afresh (memory): a path that then moves is compared with the
    # last version its new worker saw, which at worst reports a secret a second time.
    MAX_PATHS = 1 << 20

    def __init__(self, jobs: int) -> None:
        self.assigned = [0] * jobs
        self.done = [0] * jobs  # updated by the collector thread
        self._owner: dict[str, int] = {}

    def route(self, path: str) -> int:
        worker = self._owner.get(path)
        if worker is None:
            if len(self._owner) >= self.MAX_PATHS:
                self._owner.clear()
            worker = self._owner[path] = min(range(len(self.assigned)), key=self.outstanding)
        self.assigned[worker] += 1
        return worker

    def outstanding(self, worker: int) -> int:
        return self.assigned[worker] - self.done[worker]


def _collect(index: int, outbox: _Outbox, worker: BaseProcess, totals: Totals, router: Router,
             progress: Progress | None, unanswered: deque[list[BlobTask]]) -> None:
    """Gather one worker's results until it says it is done or has died (a worker that dies
    leaves its unanswered batches in `unanswered`)."""
    while True:
        try:
            message = outbox.get(timeout=0.5)
        except queue.Empty:
            if worker.is_alive():
                continue
            _drain(index, outbox, totals, router, progress, unanswered)  # what it sent just before it ended
            return
        except (EOFError, OSError):  # the queue's pipe broke with the worker
            return
        if not isinstance(message, BatchResult):  # _DONE
            return
        _add(index, message, totals, router, progress, unanswered)


def _drain(index: int, outbox: _Outbox, totals: Totals, router: Router, progress: Progress | None,
           unanswered: deque[list[BlobTask]]) -> None:
    while True:
        try:
            message = outbox.get(timeout=0.1)
        except (queue.Empty, EOFError, OSError):
            return
        if isinstance(message, BatchResult):  # not _DONE
            _add(index, message, totals, router, progress, unanswered)


def _add(index: int, result: BatchResult, totals: Totals, router: Router, progress: Progress | None,
         unanswered: deque[list[BlobTask]]) -> None:
    router.done[index] += result.done
    if unanswered:
        unanswered.popleft()
    totals.add(result, progress)


def _chunks(items: Iterable[BlobTask], size: int) -> Iterator[list[BlobTask]]:
    batch: list[BlobTask] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# ---- the three modes -----------------------------------------------------------------------

def scan_history(repo: Repository, revs: Sequence[str], engine: Engine, progress: Progress | None = None,
                 cache: FindingsCache | None = None, batch: tuple[int, int] = (0, 1)) -> Report:
    """Every unique blob the commits `revs` select introduced (all of history, or `^A B`), scanned once.

    With `cache`, blobs scanned before under the same rules are read from it (--incremental), and
    a history whose revisions all resolve as before is not even walked: its report is stored whole,
    errors included, unless one of them may not come again (see _repeatable). A history that only
    grew since is walked from where its last walk ended (see walk_plan).
    `batch` (i, n) scans only the paths of batch i of n (leakscan repos splits large histories)."""
    if cache is None:  # nothing stored to reuse, nothing to store
        return _scan_history(repo, revs, engine, progress, None, batch, None)[0]
    from leakscan.store.findings_cache import CachedScan
    from leakscan.store.walk_state import WalkStates

    started = time.perf_counter()
    key = _history_key(repo.runner, revs, batch)
    hit = cache.get_many([key]).get(key) if key is not None else None
    if hit is not None:
        return _reused_report(hit, started)
    states: WalkStates | None = cache if isinstance(cache, WalkStates) else None
    plan = walk_plan(repo.runner, revs, batch, states) if states is not None else None
    report, state = _scan_history(repo, revs, engine, progress, cache, batch, plan)
    if report.stats.incomplete or not all(map(_repeatable, report.errors)):
        return report
    if key is not None:
        pairs = report.stats.suppressed + report.stats.skipped
        cache.put_many([(key, CachedScan(tuple(replace(f, secret="") for f in report.findings), report.stats.files,
                                         report.stats.bytes, pairs, errors=report.errors))])
    if states is not None and plan is not None and state is not None:
        states.put_walk(plan.key, state)
    return report


def _repeatable(error: ScanError) -> bool:
    """Whether the same repository state, rules and settings give this error again, the same: it
    is then part of the result, stored with the findings. An object the repository lacks (a scan
    never fetches one: GIT_NO_LAZY_FETCH), a blob over --max-file-size, an archive refused by its
    limits or broken, a rule stopped by its match cap. Not an interruption, a time limit (regex
    guard, file time budget: they depend on the load), a worker or git process that died, a scan
    that raised (out of memory, say), nor a walk git could not finish (its message does not tell
    a missing tree from a killed git): those are tried again next time."""
    message = error.message
    return (message.startswith(("missing object ", "not read", "not opened"))
            or (message.startswith("skipped: ") and " over the size limit " in message)
            or (message.startswith("rule ") and " not searched to the end: stopped after " in message))


def _scan_history(repo: Repository, revs: Sequence[str], engine: Engine, progress: Progress | None,
                  cache: FindingsCache | None, batch: tuple[int, int],
                  plan: WalkPlan | None) -> tuple[Report, WalkState | None]:
    """The scan, and (with a plan) the state its walk ended in. With a plan that goes on from an
    earlier walk, only the commits after it are walked, from its state: the same state, so the
    same report, as walking all of them."""
    started = time.perf_counter()
    prior = plan.prior if plan is not None else None
    walk = Walk.resumed(prior) if prior is not None else Walk()
    totals = Totals(list(prior.findings), list(prior.errors), prior.scanned, prior.bytes,
                    hidden=Counter(dict(prior.hidden))) if prior is not None else Totals([], [])
    changes = iter_changes(repo.runner, plan.revs if plan is not None else revs)
    try:
        tasks = _in_batch(_introductions(changes, _wanted(engine.config), walk), batch)
        with findings_cache(cache):
            scan_tasks(repo.runner, tasks, engine, "blob", True, progress, totals)
        findings = _attribute(repo.runner, totals.findings, walk.later)
    except KeyboardInterrupt:  # what was found so far, without authors (that would run git again)
        return _report(_dedup(list(totals.findings)), walk.errors + totals.errors + [INTERRUPTED], totals,
                       started, incomplete=True), None
    finally:
        changes.close()  # stops the history walk and its git
    state = walk.state(plan, totals) if plan is not None else None
    return _report(_dedup(findings), walk.errors + totals.errors, totals, started), state


def scan_commit_tree(repo: Repository, rev: str, engine: Engine, progress: Progress | None = None,
                     cache: FindingsCache | None = None) -> Report:
    """Every file of one commit's tree, whole, read from git objects (a bare clone has no work tree)."""
    started = time.perf_counter()
    wanted = _wanted(engine.config)
    totals = Totals([], [])
    try:
        tasks = (BlobTask(ref.sha, ref.path, rev) for ref in tree_blobs(repo.runner, rev) if wanted(ref.path))
        with findings_cache(cache):
            scan_tasks(repo.runner, tasks, engine, "blob", False, progress, totals)
    except KeyboardInterrupt:
        return _report(list(totals.findings), totals.errors + [INTERRUPTED], totals, started, incomplete=True)
    return _report(_dedup(totals.findings), totals.errors, totals, started)


def scan_staged(repo: Repository, paths: Sequence[str], engine: Engine, progress: Progress | None = None) -> Report:
    """The index content of `paths` (or of every staged change), whole; line numbers are the staged file's."""
    started = time.perf_counter()
    wanted = _wanted(engine.config)
    totals = Totals([], [])
    try:
        tasks = (BlobTask(ref.sha, ref.path) for ref in staged_blobs(repo.runner, paths) if wanted(ref.path))
        scan_tasks(repo.runner, tasks, engine, "staged", False, progress, totals)
    except KeyboardInterrupt:
        return _report(list(totals.findings), totals.errors + [INTERRUPTED], totals, started, incomplete=True)
    return _report(totals.findings, totals.errors, totals, started)


def _introductions(changes: Iterable[Change | ScanError], wanted: Callable[[str], bool],
                   walk: Walk) -> Iterator[BlobTask]:
    """Each blob once, at the first (oldest) change that added it; later additions go to `walk.later`.
    A path added anew is compared with the version last added at it before, in walk order."""
    seen, later, last_at = walk.seen, walk.later, walk.last_at
    for change in changes:
        if isinstance(change, ScanError):
            walk.errors.append(change)
            continue
        if not change.adds_blob or not wanted(change.path):
            continue
        key = bytes.fromhex(change.blob)
        previous = last_at.get(change.path)
        last_at[change.path] = key
        if key in seen:
            later.setdefault(change.blob, []).append((change.path, change.commit))
            continue
        seen.add(key)
        bases = change.bases
        yield BlobTask(change.blob, change.path, change.commit, bases,
                       previous.hex() if previous is not None and not bases else None)


@dataclass
class Walk:
    """What the history walk has passed: every blob introduced, each blob's later additions,
    each path's last blob, and the commits it could not walk."""

    seen: set[bytes] = field(default_factory=set)
    later: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    last_at: dict[str, bytes] = field(default_factory=dict)  # path -> the blob last added there
    errors: list[ScanError] = field(default_factory=list)

    @classmethod
    def resumed(cls, state: WalkState) -> Walk:
        return cls({bytes.fromhex(b) for b in state.seen}, {k: list(v) for k, v in state.later.items()},
                   {p: bytes.fromhex(b) for p, b in state.last_at.items()})

    def state(self, plan: WalkPlan, totals: Totals) -> WalkState:
        """Where this walk ended, for the next scan of the same revisions to go on from (the walk
        errors are among the totals' errors: a state is kept only when all errors come again)."""
        from leakscan.store.walk_state import WalkState

        return WalkState(plan.digest, plan.commits, plan.tips, frozenset(b.hex() for b in self.seen),
                         {k: tuple(v) for k, v in self.later.items()}, {p: b.hex() for p, b in self.last_at.items()},
                         tuple(replace(f, secret="") for f in totals.findings), tuple(self.errors + totals.errors),
                         totals.scanned, totals.bytes, tuple(sorted(totals.hidden.items())))


@dataclass(frozen=True)
class WalkPlan:
    """What to walk: all the commits of the revisions, or (`prior` set) only those after an earlier walk's."""

    key: str  # the history's oldest commit, its revisions and the blob batch
    digest: str  # of the listing of all the commits, oldest first
    commits: int
    tips: tuple[str, ...]
    revs: tuple[str, ...]  # for git rev-list: the revisions, and then the earlier tips excluded
    prior: WalkState | None = None


def walk_plan(runner: GitRunner, revs: Sequence[str], batch: tuple[int, int], states: WalkStates) -> WalkPlan | None:
    """Go on from the earlier walk of the same revisions when the commits they list now are the
    ones it walked, in the same order, followed by the ones only the new tips reach (a history
    that only grew, as it does between nightly scans); else walk everything. Both listings are
    git rev-list runs, much cheaper than the tree diffs of the walk."""
    try:
        listing = runner.run(["rev-list", "--reverse", *revs, "--"])
        resolved = runner.run(["rev-parse", *revs]).decode("ascii").split()
        tips = tuple(dict.fromkeys(t for t in resolved if not t.startswith("^")))  # (HEAD is a branch's tip too)
    except GitError:
        return None
    # Keyed by the oldest commit listed (a root), not by where the repository lies: every clone
    # of it finds the state (leakscan repos clones into a new directory each run). A fork shares
    # the key and replaces the state; the listing check below tells them apart.
    oldest = listing[:listing.find(b"\n")].decode("ascii")
    where = "\0".join([oldest, *revs, f"{batch[0]}/{batch[1]}"])
    plan = WalkPlan(f"walk:{hashlib.sha256(where.encode()).hexdigest()}", hashlib.sha256(listing).hexdigest(),
                    listing.count(b"\n"), tips, tuple(revs))
    prior = states.get_walk(plan.key)
    if prior is None or prior.commits > plan.commits:
        return plan
    cut = _after_line(listing, prior.commits)
    if hashlib.sha256(listing[:cut]).hexdigest() != prior.listing_digest:
        return plan
    after = (*revs, *(f"^{tip}" for tip in prior.tips))
    try:
        if runner.run(["rev-list", "--reverse", *after, "--"]) != listing[cut:]:
            return plan  # the new commits would not be walked in the order a full walk takes them
    except GitError:
        return plan
    return replace(plan, revs=after, prior=prior)


def _after_line(text: bytes, lines: int) -> int:
    """The offset just after the first `lines` lines of `text`."""
    offset = 0
    for _ in range(lines):
        offset = text.index(b"\n", offset) + 1
    return offset


def _wanted(config: Config) -> Callable[[str], bool]:
    """Skip by path before reading: excluded paths and file types that are never text."""
    exclude = None
    if config.exclude:  # (a hook without --exclude does not load the tree walk's module)
        from leakscan.sources.files import gitignore_spec

        exclude = gitignore_spec(config.exclude)

    def decide(path: str) -> bool:
        suffix = os.path.splitext(path)[1].lower()
        if suffix in BINARY_SUFFIXES and not (config.archives and suffix in ARCHIVE_SUFFIXES):
            return False
        return exclude is None or not exclude.match_file(path)

    # Asked for every change of a history (rails/rails: 370,000 changes at some 18,000 paths).
    return functools.lru_cache(maxsize=MAX_PATHS_REMEMBERED)(decide)


# ---- attribution and the report ----------------------------------------------------------

def _attribute(runner: GitRunner, findings: list[Finding], later: dict[str, list[tuple[str, str]]]) -> list[Finding]:
    """Author and date of each finding's commit; other commits that added the same blob."""
    commits = {f.location.commit for f in findings if f.location.commit}
    commits |= {c for f in findings for _, c in later.get(f.location.blob or "", ())}
    info = commit_info(runner, commits)
    return [_with_commit_info(f, info, later.get(f.location.blob or "", [])) for f in findings]


def _with_commit_info(finding: Finding, info: dict[str, CommitInfo], later: list[tuple[str, str]]) -> Finding:
    loc = finding.location
    extra = dict(loc.extra)
    commit = info.get(loc.commit or "")
    if commit:
        extra.update(author=f"{commit.author} <{commit.email}>", date=commit.date)
    again = [c for p, c in later if p == loc.path]
    if again:  # the same blob added at the same path by other commits (another branch, a revert)
        extra["introduced_in"] = " ".join([loc.commit or ""] + again)
    elsewhere = tuple(f"{p}@{c[:12]}" for p, c in later if p != loc.path)
    return replace(finding, location=replace(loc, extra=tuple(sorted(extra.items()))),
                   also_at=finding.also_at + elsewhere)


def _dedup(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, path, secret): its earliest introduction; the others in also_at.

    Keyed on the secret's hash, not the fingerprint: a PII fingerprint names a place, not a value."""
    by_print: dict[tuple[str, str, str], list[Finding]] = {}
    for f in findings:
        by_print.setdefault((f.rule_id, f.location.path, f.secret_hash), []).append(f)
    out = []
    for group in by_print.values():
        group.sort(key=_introduced_key)
        first, others = group[0], group[1:]
        if others:
            seen = [f"{f.location.path}:{f.location.line}@{(f.location.commit or f.location.blob or '')[:12]}"
                    for f in others[:MAX_ALSO_AT]]
            if len(others) > MAX_ALSO_AT:
                seen.append(f"... {len(others) - MAX_ALSO_AT} more")
            first = replace(first, also_at=first.also_at + tuple(seen))
        out.append(first)
    return out


def _introduced_key(f: Finding) -> tuple[float, str, str, int, int]:
    """Earliest first, by the instant (dates carry their author's offset, so their text does not
    sort: 2014-12-24T00:32+08:00 came before 2014-12-23T09:44-07:00); unattributed last."""
    return (_instant(dict(f.location.extra).get("date")), f.location.commit or "", f.location.blob or "",
            f.location.line or 0, f.location.column or 0)


def _instant(date: str | None) -> float:
    try:
        return datetime.fromisoformat(date).timestamp() if date else math.inf
    except ValueError:
        return math.inf


def _suppressed(tally: Counter[str]) -> tuple[tuple[str, int], ...]:
    """`stats.suppressed` of a tally; the findings stages are loaded only when a scan has used them."""
    if not tally:
        return ()
    from leakscan.pipeline.findings import suppressed_pairs

    return suppressed_pairs(tally)


def _sorted(findings: list[Finding]) -> tuple[Finding, ...]:
    if not findings:
        return ()
    from leakscan.pipeline.findings import sort_findings

    return tuple(sort_findings(findings))


def _report(findings: list[Finding], errors: list[ScanError], totals: Totals, started: float,
            incomplete: bool = False) -> Report:
    return Report(
        findings=_sorted(findings),
        errors=tuple(sorted(errors, key=lambda e: (e.path, e.message))),
        stats=ScanStats(totals.scanned, totals.bytes, round(time.perf_counter() - started, 3), len(errors),
                        skipped=((RULE_PACKS, totals.hidden[RULE_PACKS]),) if totals.hidden[RULE_PACKS] else (),
                        incomplete=incomplete, suppressed=_suppressed(totals.hidden)),
    )


# ---- incremental scans: findings reused per blob and rules (leakscan.store) ----------------

_CACHE: FindingsCache | None = None  # set for one scan; forked workers inherit it, like _ENGINE


@contextmanager
def findings_cache(cache: FindingsCache | None) -> Iterator[None]:
    global _CACHE
    _CACHE = cache
    try:
        yield
    finally:
        _CACHE = None


def blob_scanner(engine: Engine, runner: GitRunner, kind: str, incremental: bool) -> BlobScanner:
    if _CACHE is None:
        return BlobScanner(engine, runner, kind, incremental)
    return CachingBlobScanner(engine, runner, kind, incremental, _CACHE)


def _in_batch(tasks: Iterator[BlobTask], batch: tuple[int, int]) -> Iterator[BlobTask]:
    """The tasks of batch i of n, by path: all the versions of a path stay in one batch (each is
    compared with the one it replaced), and a blob is introduced at one path only."""
    index, count = batch
    return tasks if count <= 1 else (t for t in tasks if zlib.crc32(t.path.encode()) % count == index)


class CachingBlobScanner(BlobScanner):
    """A BlobScanner that reads each blob's findings from the cache when the same blob at the
    same path, replacing the same versions, was scanned under the same rules, and stores what
    it scans. A blob with an error is not stored: it is scanned again next time."""

    def __init__(self, engine: Engine, runner: GitRunner, kind: str, incremental: bool,
                 cache: FindingsCache) -> None:
        super().__init__(engine, runner, kind, incremental)
        self.cache = cache
        self._seen: dict[str, CachedScan] = {}
        self._failed: set[str] = set()

    def scan(self, batch: Sequence[BlobTask]) -> BatchResult:
        from leakscan.store.findings_cache import CachedScan

        keys = [_cache_key(task) for task in batch]
        known = self.cache.get_many(keys)
        misses = [task for task, key in zip(batch, keys, strict=True) if key not in known]
        self._seen, self._failed = {}, set()
        fresh = super().scan(misses) if misses else BatchResult((), (), 0, 0, 0)
        failed = " ".join(e.message for e in fresh.errors)  # unreadable blobs, rules stopped early
        self.cache.put_many((_cache_key(t), self._seen.get(t.sha, CachedScan((), 0, 0))) for t in misses
                            if t.sha not in self._failed and f"[blob {t.sha}" not in failed)
        reused = [(task, known[key]) for task, key in zip(batch, keys, strict=True) if key in known]
        tally: Counter[str] = Counter(dict(fresh.suppressed + fresh.skipped))
        for _, hit in reused:
            tally.update(dict(hit.suppressed))
        skipped = tally.pop(RULE_PACKS, 0)
        findings = fresh.findings + tuple(
            replace(f, location=replace(f.location, commit=task.commit)) for task, hit in reused for f in hit.findings)
        return BatchResult(findings, fresh.errors, fresh.scanned + sum(h.scanned for _, h in reused),
                           fresh.bytes + sum(h.bytes for _, h in reused), len(batch), _suppressed(tally),
                           ((RULE_PACKS, skipped),) if skipped else ())

    def _scan_one(self, task: BlobTask, content: bytes, tally: Counter[str]) -> tuple[list[Finding], list[ScanError]]:
        before = Counter(tally)
        found, errors = super()._scan_one(task, content, tally)
        self._remember(task, content, found, errors, tally - before)
        return found, errors

    def _scan_container(self, task: BlobTask, content: bytes, tally: Counter[str]) -> ArchiveResult | None:
        """An archive blob's members' findings are stored like a text blob's (not an empty entry)."""
        before = Counter(tally)
        inside = super()._scan_container(task, content, tally)
        if inside is not None:
            self._remember(task, content, inside.findings, inside.errors, tally - before)
        return inside

    def _remember(self, task: BlobTask, content: bytes, found: Iterable[Finding], errors: Sequence[ScanError],
                  moved: Counter[str]) -> None:
        if errors:  # a blob with an error is scanned again next time
            self._failed.add(task.sha)
        else:
            from leakscan.store.findings_cache import CachedScan

            self._seen[task.sha] = CachedScan(tuple(replace(f, secret="") for f in found), 1, len(content),
                                              tuple(sorted(moved.items())))


def _cache_key(task: BlobTask) -> str:
    """What a blob's findings depend on besides the rules: its id, its path (path-limited rules,
    fingerprints) and the versions it is compared with; not the commit, which is set on reuse."""
    return f"blob:{task.sha}:{task.path}:{','.join(task.references)}"


def _history_key(runner: GitRunner, revs: Sequence[str], batch: tuple[int, int]) -> str | None:
    """The revisions as commit ids (`--branches` and the like expanded): the same ids, the same history."""
    try:
        resolved = runner.run(["rev-parse", *revs])
    except GitError:
        return None
    return f"history:{hashlib.sha256(resolved).hexdigest()}:{batch[0]}/{batch[1]}"


def _reused_report(hit: CachedScan, started: float) -> Report:
    hidden = Counter(dict(hit.suppressed))
    packs = hidden.pop(RULE_PACKS, 0)
    return Report(tuple(hit.findings), hit.errors, ScanStats(
        hit.scanned, hit.bytes, round(time.perf_counter() - started, 3), len(hit.errors),
        skipped=((RULE_PACKS, packs),) if packs else (), suppressed=_suppressed(hidden)))
