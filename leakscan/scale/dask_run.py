"""`--dask ADDRESS`: the same units as tasks on a Dask distributed cluster, results streamed back."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from leakscan.scale.units import INTERRUPTED, Unit, UnitResult, UnitSettings, scan_unit

OnResult = Callable[[UnitResult], None]


class DaskUnavailable(RuntimeError):
    """The `distributed` extra is not installed, or the scheduler cannot be reached."""


def run_dask(address: str, units: Sequence[Unit], settings: UnitSettings, on_result: OnResult,
             timeout: float = 30) -> None:
    """One task per unit (a repository, or a blob batch of a large history). Results come back
    as tasks finish; a worker that dies has its tasks rescheduled by the scheduler, and the run
    merges by fingerprint, so a unit answered twice counts once. Each task scans on one core
    (Dask's worker processes are daemons and may not fork): run workers with one thread per
    core, and split large histories with --batches."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise DaskUnavailable("--dask needs the distributed extra: pip install 'leakscan[distributed]'") from exc
    single = replace(settings, config=replace(settings.config, jobs=1, progress=False))
    try:
        client = Client(address, timeout=timeout)  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    run = uuid.uuid4().hex[:12]
    try:
        futures: dict[Any, Unit] = {
            client.submit(dask_task, unit, single, key=f"leakscan-{run}-{index}", pure=False, retries=1): unit
            for index, unit in enumerate(units)}
        for future in as_completed(list(futures)):  # type: ignore[no-untyped-call]
            unit = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a task that failed on every worker it was given
                result = UnitResult(unit.target.name, unit.batch, INTERRUPTED,
                                    f"dask task failed: {type(exc).__name__}")
            on_result(result)
    finally:
        client.close()  # type: ignore[no-untyped-call]


def dask_task(unit: Unit, settings: UnitSettings) -> UnitResult:
    """Runs on a Dask worker: the unit, named by the worker's address."""
    from distributed import get_worker

    return scan_unit(unit, settings, worker=get_worker().address)
