"""The default executor: units on a local process pool, one repository per process at a time."""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import replace

from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin
from leakscan.pipeline.interruption import worker_signals
from leakscan.pipeline.pool import stop_workers
from leakscan.pipeline.tree import scan_chunks
from leakscan.scale.units import INTERRUPTED, Unit, UnitResult, UnitSettings, engine_for, scan_unit

OnResult = Callable[[UnitResult], None]


def run_local(units: Sequence[Unit], settings: UnitSettings, jobs: int, on_result: OnResult) -> None:
    """One unit runs in this process with every core (the history scan fans out itself); several
    run on `jobs` processes, each scanning its repository on one core, results handed to
    `on_result` as they finish. A process that dies loses only its units: they come back as
    interrupted (not recorded, so --resume scans them again)."""
    if len(units) <= 1 or jobs <= 1:
        for unit in units:
            on_result(scan_unit(unit, settings))
        return
    single = replace(settings, config=replace(settings.config, jobs=1))
    warm_up(engine_for(single.config))  # built and warmed once here; forked pool processes inherit it
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(units)), mp_context=multiprocessing.get_context(method),
                               initializer=worker_signals)  # Ctrl-C is the run's to handle
    try:
        pending: dict[Future[UnitResult], Unit] = {pool.submit(scan_unit, u, single): u for u in units}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                unit = pending.pop(future)
                on_result(_outcome(future, unit))
    finally:  # also on Ctrl-C: nothing queued starts, no process outlives the run
        stop_workers(pool, kill=False)


def _outcome(future: Future[UnitResult], unit: Unit) -> UnitResult:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a dead process (BrokenProcessPool) or a bug: the unit's result
        return UnitResult(unit.target.name, unit.batch, INTERRUPTED, f"scan process failed: {type(exc).__name__}")


def warm_up(engine: Engine) -> None:
    """A tiny scan before forking, so what the engine and scoring load on first use is loaded
    once, in the parent, and shared by every pool process."""
    scan_chunks([Chunk('password = "correct-horse-battery-staple"\n', Origin(kind="file", path="warm.py"))], engine)
