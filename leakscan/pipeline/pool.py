"""Work spread over worker processes that may die, or be stopped, without hanging the scan.

multiprocessing.Pool loses the task of a worker that dies (killed, out of memory) and
then waits for it forever. concurrent.futures notices the death (BrokenProcessPool) and
fails what the dead pool held; those items are run again, one at a time on a fresh single
worker, so an item that kills its worker every time is found, reported through `on_lost`,
and costs only itself. When the scan is interrupted (KeyboardInterrupt in the parent) the
workers are killed before the exception goes on: none outlives the scan.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

from leakscan.pipeline.interruption import worker_signals

Item = TypeVar("Item")
Result = TypeVar("Result")

# Items a worker handles per round trip: as many as leave each worker at least 8 tasks, from 8 to 32.
# Each round trip costs the parent a pickle, a future and a wake-up; on the stdlib tree (2,339 files,
# 2 workers) tasks of 32 instead of 8 took 3-8 % less wall time in paired rounds against 9678c66.
ITEMS_PER_TASK, MAX_ITEMS_PER_TASK, TASKS_PER_WORKER_AT_LEAST = 8, 32, 8
TASKS_PER_WORKER = 4  # tasks queued per worker: enough to keep it busy, few to lose when it dies
MAX_BROKEN_POOLS = 20  # past this many dead pools, what is left is reported, not retried


def run_on_workers(items: Sequence[Item], work: Callable[[Item], Result], on_result: Callable[[Result], None],
                   on_lost: Callable[[Item], None], jobs: int, context: Any,
                   initializer: Callable[..., None], initargs: tuple[Any, ...], alone: int = 0) -> None:
    """`work(item)` for every item on `jobs` processes; each result to `on_result` (in this
    process, in no set order); each item that workers died on twice to `on_lost`. The first
    `alone` items are tasks of their own (the heavy ones, put first: no worker gets two of them
    in one task, and none is left to run alone at the end)."""
    pool: _Pool[Item, Result] = _Pool(work, on_result, context, initializer, initargs)
    pending = [[item] for item in items[:alone]]
    size = task_size(len(items) - alone, jobs)
    pending += [list(items[i:i + size]) for i in range(alone, len(items), size)]
    again: list[Item] = []
    while pending and pool.broken < MAX_BROKEN_POOLS:
        lost, pending = pool.run(pending, jobs, jobs * TASKS_PER_WORKER)
        again.extend(item for task in lost for item in task)
    again.extend(item for task in pending for item in task)
    pending = [[item] for item in again]  # once more, alone: what fails now is what kills a worker
    while pending and pool.broken < 2 * MAX_BROKEN_POOLS:
        lost, pending = pool.run(pending, 1, 1)
        for task in lost:
            on_lost(task[0])
    for task in pending:
        on_lost(task[0])


def task_size(items: int, jobs: int) -> int:
    """Items per task: each worker gets at least TASKS_PER_WORKER_AT_LEAST tasks where there are enough."""
    return max(ITEMS_PER_TASK, min(MAX_ITEMS_PER_TASK, items // (jobs * TASKS_PER_WORKER_AT_LEAST)))


def _start_worker(initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    worker_signals()
    initializer(*initargs)


def _run_task(work: Callable[[Item], Result], task: list[Item]) -> list[Result]:
    return [work(item) for item in task]


class _Pool(Generic[Item, Result]):
    """Runs tasks on a new executor per call, until they are done or a worker dies."""

    def __init__(self, work: Callable[[Item], Result], on_result: Callable[[Result], None], context: Any,
                 initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
        self.work, self.on_result = work, on_result
        self.context, self.initializer, self.initargs = context, initializer, initargs
        self.broken = 0  # executors that lost a worker

    def run(self, tasks: list[list[Item]], jobs: int, in_flight: int) -> tuple[list[list[Item]], list[list[Item]]]:
        """Returns the tasks a dead worker took with it, and those not started."""
        executor = ProcessPoolExecutor(jobs, mp_context=self.context, initializer=_start_worker,
                                       initargs=(self.initializer, self.initargs))
        running: dict[Future[list[Result]], list[Item]] = {}
        started = 0
        finished = False
        try:
            while running or started < len(tasks):
                while started < len(tasks) and len(running) < in_flight:
                    try:
                        running[executor.submit(_run_task, self.work, tasks[started])] = tasks[started]
                    except BrokenProcessPool:
                        self.broken += 1
                        return self._settle(running), tasks[started:]
                    started += 1
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                if any(future.exception() is not None for future in done):
                    self.broken += 1
                    return self._settle(running), tasks[started:]
                for future in done:
                    del running[future]
                    for result in future.result():
                        self.on_result(result)
            finished = True
            return [], []
        finally:
            _shut(executor, finished)

    def _settle(self, running: dict[Future[list[Result]], list[Item]]) -> list[list[Item]]:
        """After a death: keep what finished, return what did not."""
        lost: list[list[Item]] = []
        for future, task in running.items():
            if future.done() and future.exception() is None:
                for result in future.result():
                    self.on_result(result)
            else:
                lost.append(task)
        return lost


def _shut(executor: ProcessPoolExecutor, finished: bool) -> None:
    """Wait for idle workers to exit; otherwise (interrupted, or a worker died) kill them now."""
    if finished:
        executor.shutdown(wait=True)
        return
    stop_workers(executor, kill=True)


def stop_workers(executor: ProcessPoolExecutor, kill: bool) -> None:
    """Nothing queued starts; every worker is killed (SIGKILL) or terminated (SIGTERM, which
    `worker_signals` makes end a worker at once) and reaped. Python 3.14: kill_workers() / terminate_workers()."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive() and kill:
            process.kill()
        elif process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
