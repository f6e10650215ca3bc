"""A one-line (compact) HAR with many findings scans in time proportional to its size.

Positions, spans and report sanitizing on a single enormous line once searched
back per finding (or tried every known value on every printed string): the
cost per byte grew with the document. This compares the CPU cost per byte of
two sizes of the same generated capture in one test, never absolute seconds.
"""
from __future__ import annotations

import time

import pytest

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin, Report
from leakscan.pipeline.tree import scan_chunks

from ..compact_har import compact_har

SMALL, LARGE = 12, 48  # entries; about 35 KB each
MAX_RATIO = 2.0  # a linear scan stays near 1.0; a quadratic one reaches 4.0 at four times the size


def _scan(text: str, engine: Engine) -> tuple[float, Report]:
    started = time.process_time()  # CPU time: other processes on a loaded machine do not count
    report = scan_chunks([Chunk(text, Origin(kind="file", path="capture.har"))], engine)
    return time.process_time() - started, report


@pytest.fixture(scope="module")
def engine() -> Engine:
    engine = Engine.build(Config(jobs=1))
    _scan(compact_har(2), engine)  # lazy imports and data tables loaded before anything is timed
    return engine


def test_compact_har_scans_in_time_proportional_to_its_size(engine: Engine) -> None:
    small, large = compact_har(SMALL), compact_har(LARGE)
    assert "\n" not in large
    small_seconds = min(_scan(small, engine)[0] for _ in range(2))
    large_seconds, report = _scan(large, engine)
    emails = [f for f in report.findings if f.location.pointer and f.location.pointer.endswith("/seller/email")]
    assert len(emails) == LARGE * 40  # every email is found, with its pointer
    assert all(f.location.line == 1 for f in emails)  # and its place on the one line
    assert len({f.location.column for f in emails}) == len(emails)
    ratio = (large_seconds / len(large)) / (small_seconds / len(small))
    assert ratio < MAX_RATIO, f"per-byte cost grew {ratio:.2f}x from {len(small)} to {len(large)} characters"
