"""Per-provider pacing and backoff: a provider is asked at most its rate per second, and waited for on 429."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from leakscan.verify.http import Answer


class ProviderPace:
    """One slot every 1/rate seconds per provider, shared by every worker thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._clock, self._sleep = clock, sleep

    def wait(self, provider: str, rate_per_second: float) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(provider, now))
            self._next[provider] = slot + 1.0 / max(rate_per_second, 0.01)
        if slot > now:
            self._sleep(slot - now)


def backoff_seconds(answer: Answer, attempt: int, cap: float) -> float:
    """How long to wait before asking again after a 429: the provider's Retry-After, else 1, 2, 4... seconds."""
    given = answer.header("Retry-After")
    try:
        wait = float(given) if given is not None else float(2 ** attempt)
    except ValueError:
        wait = float(2 ** attempt)  # an HTTP date: treated as "soon"
    return max(0.0, min(wait, cap))
