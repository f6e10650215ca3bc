"""Which paths a history scan reads: judged once per path while remembered, within a bound."""
from __future__ import annotations

import os
from collections import Counter

import pytest

from leakscan.config import Config
from leakscan.pipeline import history as gitscan


def test_a_path_is_judged_once_while_it_is_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    judged: Counter[str] = Counter()
    splitext = os.path.splitext

    def counting(path: str) -> tuple[str, str]:
        judged[path] += 1
        return splitext(path)

    monkeypatch.setattr(gitscan.os.path, "splitext", counting)
    monkeypatch.setattr(gitscan, "MAX_PATHS_REMEMBERED", 3)
    wanted = gitscan._wanted(Config(exclude=("build/",)))
    paths = ["a.py", "logo.png", "build/x.py", "a.py", "logo.png", "b.py", "c.py", "a.py"]
    assert [wanted(p) for p in paths] == [True, False, False, True, False, True, True, True]
    # a.py is asked three times: judged again only once the memory of three paths had let it go
    assert judged == Counter({"a.py": 2, "logo.png": 1, "build/x.py": 1, "b.py": 1, "c.py": 1})
