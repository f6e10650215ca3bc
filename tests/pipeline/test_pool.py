"""pipeline/pool: every item's result comes back once, with the heavy items as tasks of their own."""
from __future__ import annotations

import multiprocessing
import os

import pytest

from leakscan.pipeline.pool import run_on_workers, task_size


def _square_and_pid(item: int) -> tuple[int, int, int]:
    return item, item * item, os.getpid()


def _nothing() -> None:
    return None


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers are not forked here")
def test_items_alone_and_in_tasks_each_give_one_result():
    results: list[tuple[int, int, int]] = []
    lost: list[int] = []
    run_on_workers(list(range(41)), _square_and_pid, results.append, lost.append, 2,
                   multiprocessing.get_context("fork"), _nothing, (), alone=5)
    assert sorted((item, square) for item, square, _ in results) == [(i, i * i) for i in range(41)]
    assert not lost and os.getpid() not in {pid for _, _, pid in results}


def test_tasks_grow_with_the_items_but_every_worker_still_gets_several():
    assert task_size(41, 2) == 8  # few items: small tasks, the load stays balanced
    assert task_size(2339, 2) == 32  # a tree the size of the stdlib: fewer round trips
    assert task_size(300, 2) == 18 and 300 // task_size(300, 2) >= 2 * 8
    assert task_size(100_000, 64) == 32
