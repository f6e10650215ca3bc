"""Tree scans: files listed, read and scanned on all cores, one report."""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from leakscan.analyzers.registry import document_scanner_for, registered
from leakscan.analyzers.rule_files import rule_file_kind
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.masking.sanitize import Sanitizer, sanitize_error
from leakscan.model import Chunk, Finding, Report, ScanError, ScanStats
from leakscan.pipeline.archives import scan_archive, scan_notebook
from leakscan.pipeline.captures.scan import scan_capture_file
from leakscan.pipeline.findings import findings_from, report_order, scan_chunk, sort_findings, suppressed_pairs
from leakscan.pipeline.interruption import INTERRUPTED
from leakscan.pipeline.pool import run_on_workers
from leakscan.sources.files import (
    WHOLE_FILE_LIMIT,
    WINDOW_BYTES,
    WINDOW_OVERLAP,
    FileRef,
    OverSizeLimit,
    SkippedFile,
    Skips,
    iter_windows,
    read_file,
    walk_files,
)
from leakscan.sources.suffixes import ARCHIVE_SUFFIXES
from leakscan.store.findings_cache import CachedScan, FindingsCache
from leakscan.store.records import SPILL_FROM, FindingSpill


@dataclass(frozen=True)
class FileResult:
    findings: Collection[Finding]  # a large capture's: a FindingSpill
    errors: tuple[ScanError, ...]
    bytes: int
    scanned: bool
    skipped: str = ""  # why the file was left out (files.SKIP_REASONS), if it was
    suppressed: tuple[tuple[str, int], ...] = ()  # findings hidden in it, by suppression (SUPPRESSIONS)


_WORKER_ENGINE: Engine | None = None
_SPILL_FROM: int | None = None  # findings a large capture holds at most (set while files are scanned in-process)
_DOCUMENT_BYTES_KEPT = 1 << 22  # a larger file that a document scanner reads lets its bytes go first


def _init_worker(config: Config) -> None:
    global _WORKER_ENGINE
    if _WORKER_ENGINE is None:  # with fork the parent's engine is inherited
        _WORKER_ENGINE = Engine.build(config)


def scan_file(ref: FileRef, engine: Engine | None = None) -> FileResult:
    engine = engine or _WORKER_ENGINE
    assert engine is not None
    if _CACHE is not None:
        return _scan_file_cached(ref, engine, _CACHE)
    return _scan_file(ref, engine)


def _scan_file(ref: FileRef, engine: Engine) -> FileResult:
    hidden: Counter[str] = Counter()
    if (streamed := scan_capture_file(ref, engine, hidden, spill_from=_SPILL_FROM)) is not None:  # a large HAR
        found, errors, size = streamed
        found = found if isinstance(found, FindingSpill) else tuple(found)
        return FileResult(found, tuple(errors), size, True, suppressed=suppressed_pairs(hidden))
    if ref.explicit and _size(ref.path) > WHOLE_FILE_LIMIT:  # not a capture read block by block: too large whole
        return scan_large_file(ref, engine)
    loaded = read_file(ref, engine.config.max_file_size)
    if isinstance(loaded, ScanError):
        return FileResult((), (loaded,), 0, False, "size" if isinstance(loaded, OverSizeLimit) else "")
    if loaded is None:  # binary: skipped, not an error, unless it is an archive to open (issue 14)
        return _scan_archive(ref, engine) or FileResult((), (), 0, False, "binary")
    if not engine.config.scan_rule_packs and rule_file_kind(ref.display, loaded.chunk.text, loaded.utf8):
        return FileResult((), (), 0, False, "rule_packs")  # a scanner's patterns and samples, not leaks
    if loaded.size > _DOCUMENT_BYTES_KEPT and document_scanner_for(ref.display, loaded.chunk.text):
        loaded = replace(loaded, utf8=None)  # its scanner reads the text only: a 100 MB HAR held once, not twice
    tally: Counter[str] = Counter()
    try:
        cells = scan_notebook(ref.display, loaded.chunk.text, engine, tally) if engine.config.archives else None
        findings, errors = cells or scan_chunk(loaded.chunk, engine, loaded.utf8, tally)
    except Exception as exc:  # one bad file never stops a scan
        error = sanitize_error(ScanError(ref.display, f"scan failed: {type(exc).__name__}: {exc}"), Sanitizer(engine))
        return FileResult((), (error,), loaded.size, True)
    return FileResult(tuple(findings), tuple(errors), loaded.size, True, suppressed=suppressed_pairs(tally))


def _scan_archive(ref: FileRef, engine: Engine) -> FileResult | None:
    if not engine.config.archives:
        return None
    tally: Counter[str] = Counter()
    limit = WHOLE_FILE_LIMIT if ref.explicit else engine.config.max_file_size
    found = scan_archive(ref, limit, engine, tally)
    if found is None:
        return None
    return FileResult(found.findings, found.errors, found.size, True, suppressed=suppressed_pairs(tally))


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # read_file reports it


def scan_large_file(ref: FileRef, engine: Engine, window: int = WINDOW_BYTES,
                    overlap: int = WINDOW_OVERLAP) -> FileResult:
    """A huge named file as plain text in overlapping windows: memory stays bounded, each
    finding is reported once, by the window that holds it whole (files.iter_windows)."""
    findings: list[Finding] = []
    errors: list[ScanError] = []
    size = 0
    for part in iter_windows(ref, window, overlap):
        if isinstance(part, SkippedFile):
            return FileResult((), (), 0, False, part.reason)
        if isinstance(part, ScanError):
            return FileResult(tuple(findings), (part,), size, bool(size))
        if not size and (scanner := document_scanner_for(ref.display, part.chunk.text)) is not None:
            errors.append(ScanError(ref.display, f"over {WHOLE_FILE_LIMIT} bytes: scanned as plain text "
                                                 f"in windows, not parsed as {scanner.name}"))
        found = findings_from(engine.candidates(part.chunk, part.utf8), engine.config, engine)
        errors.extend(engine.matcher.take_errors())  # one file, one budget: rules stopped early
        findings.extend(f for f in found if part.next_start is None
                        or (f.location.line or 0, f.location.column or 0) < part.next_start)
        size += part.size
    return FileResult(tuple(findings), tuple(errors), size, True)


def scan_refs(
    refs: Sequence[FileRef], engine: Engine, progress: Callable[[int, int], None] | None = None,
    skips: Skips | None = None, suppressed: Counter[str] | None = None,
) -> tuple[FindingSpill, list[ScanError], int, int]:
    """Scan files on all cores; returns findings (in the report's order), errors, files scanned, bytes
    (and counts files left out in `skips`)."""
    global _WORKER_ENGINE, _SPILL_FROM
    jobs = engine.config.jobs or os.cpu_count() or 1
    findings = FindingSpill(report_order)
    errors: list[ScanError] = []
    files = size = 0

    def collect(result: FileResult) -> None:
        nonlocal files, size
        findings.add(result.findings)
        errors.extend(result.errors)
        files += result.scanned
        size += result.bytes
        if result.skipped and skips is not None:
            skips.add(result.skipped)
        if suppressed is not None:
            suppressed.update(dict(result.suppressed))
        if progress:
            progress(1, len(result.findings))  # files done, findings in them (the progress bar shows both)

    def lost(ref: FileRef) -> None:
        collect(FileResult((), (ScanError(ref.display, "not scanned: a scan worker died twice on this file"),),
                           0, False))

    try:
        if jobs <= 1 or len(refs) < 16:
            _SPILL_FROM = SPILL_FROM  # in this process only: a spill does not cross to a worker's parent
            try:
                for ref in refs:
                    collect(scan_file(ref, engine))
            finally:
                _SPILL_FROM = None
            return findings, errors, files, size
        _WORKER_ENGINE = engine
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        if method == "fork":
            _warm_up(engine, refs)
        ordered, heavy = heaviest_first(refs, engine.config.archives)
        try:
            run_on_workers(ordered, scan_file, collect, lost, jobs, multiprocessing.get_context(method),
                           _init_worker, (engine.config,), alone=heavy)
        finally:
            _WORKER_ENGINE = None
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM: the workers are gone; report what was found so far
        errors.append(INTERRUPTED)
    return findings, errors, files, size


def heaviest_first(refs: Sequence[FileRef], archives: bool) -> tuple[list[FileRef], int]:
    """The files in the order workers should take them, and how many at the front are heavy: the
    archives to open (by name: their members are many files, the bundled pip wheel alone 0.1 s),
    then the rest in the walk's order. An archive taken last would leave the other workers idle
    until it ends. By name only: sizes would cost a stat per file (11 ms for the stdlib's 2,339,
    serial before the fork), and the rest stay where neighbours share path-limited rules and so a
    prefilter database (all sorted by size, the stdlib tree cost 7-10 % more CPU). The report is
    sorted, so the order changes nothing in it."""
    if not archives:
        return list(refs), 0
    heavy = [ref for ref in refs if os.path.splitext(ref.display)[1].lower() in ARCHIVE_SUFFIXES]
    if not heavy:
        return list(refs), 0
    chosen = set(map(id, heavy))
    return heavy + [ref for ref in refs if id(ref) not in chosen], len(heavy)


def _warm_up(engine: Engine, refs: Sequence[FileRef]) -> None:
    """What every worker would otherwise load for itself after the fork, loaded once before it: the
    document scanners and the prefilters of the path-limited rules the files call for."""
    registered()
    engine.matcher.prepare(ref.display for ref in refs)


def scan_paths(
    roots: Sequence[str], engine: Engine, progress_factory: Callable[[int], Callable[[int, int], None]] | None = None,
    cache: FindingsCache | None = None,
) -> Report:
    """Files and trees; with `cache`, a file scanned before (same content, path and rules) is not scanned again."""
    global _CACHE
    _CACHE = cache  # forked workers inherit it, like the engine
    try:
        return _scan_paths(roots, engine, progress_factory)
    finally:
        _CACHE = None


def _scan_paths(
    roots: Sequence[str], engine: Engine, progress_factory: Callable[[int], Callable[[int, int], None]] | None = None,
) -> Report:
    started = time.perf_counter()
    try:
        walked = walk_files(roots, engine.config)
    except KeyboardInterrupt:
        return Report((), (INTERRUPTED,), ScanStats(0, 0, round(time.perf_counter() - started, 3), 1,
                                                   incomplete=True))
    refs, walk_errors = walked.refs, walked.errors
    progress = progress_factory(len(refs)) if progress_factory else None
    hidden: Counter[str] = Counter()
    findings, errors, files, size = scan_refs(refs, engine, progress, walked.skipped, hidden)
    errors = walk_errors + errors
    return Report(
        findings=findings.settled(),
        errors=tuple(sorted(errors, key=lambda e: (e.path, e.message))),
        stats=ScanStats(files, size, round(time.perf_counter() - started, 3), len(errors),
                        walked.skipped.as_pairs(), incomplete=INTERRUPTED in errors,
                        suppressed=suppressed_pairs(hidden)),
    )


def scan_chunks(chunks: Iterable[Chunk], engine: Engine) -> Report:
    started = time.perf_counter()
    findings: list[Finding] = []
    errors: list[ScanError] = []
    files = size = 0
    hidden: Counter[str] = Counter()
    for chunk in chunks:
        found, errs = scan_chunk(chunk, engine, tally=hidden)
        findings.extend(found)
        errors.extend(errs)
        files += 1
        size += len(chunk.text.encode("utf-8", "replace"))
    return Report(tuple(sort_findings(findings)), tuple(errors),
                  ScanStats(files, size, round(time.perf_counter() - started, 3), len(errors),
                            suppressed=suppressed_pairs(hidden)))


# ---- incremental scans: findings reused per content hash and rules (leakscan.store) --------

_CACHE: FindingsCache | None = None


def _scan_file_cached(ref: FileRef, engine: Engine, cache: FindingsCache) -> FileResult:
    key = _file_key(ref, engine.config.max_file_size)
    hit = cache.get_many([key]).get(key) if key else None
    if hit is not None:
        return FileResult(hit.findings, (), hit.bytes, bool(hit.scanned), hit.skipped, hit.suppressed)
    result = _scan_file(ref, engine)
    if key and not result.errors:  # a file with an error is scanned again next time
        findings = tuple(replace(f, secret="") for f in result.findings)
        cache.put_many([(key, CachedScan(findings, int(result.scanned), result.bytes, result.suppressed,
                                         result.skipped))])
    return result


def _file_key(ref: FileRef, limit: int) -> str | None:
    """Content hash and reported path (path-limited rules, fingerprints); None for what is not
    worth caching (too large to read twice, unreadable: the scan reports it)."""
    try:
        if os.stat(ref.path).st_size > limit:
            return None
        with open(ref.path, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None
    return f"file:{digest}:{ref.display}"
