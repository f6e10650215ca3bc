"""Shared helpers for the benchmark scripts (not part of the package)."""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_BENCH = REPO.parent / "shared" / "bench"
sys.path.insert(0, str(REPO))


def shorten(text: str, limit: int = 70) -> str:
    flat = text.replace("\n", "\\n")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
