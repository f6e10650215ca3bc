from __future__ import annotations

import multiprocessing
import sys

import pytest

from leakscan.analyzers.registry import BUILTIN_SCANNER_MODULES
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.tree import scan_paths

from ..conftest import fake_github_token


def _tree(root) -> None:
    for n in range(24):
        (root / f"mod{n}.py").write_text(f"token = '{fake_github_token(n)}'\n" if n % 6 == 0 else "x = 1\n")
    (root / "deploy.ini").write_text("[db]\npassword = hunter2hunter2\n")
    (root / "app.env").write_text(f"GITHUB_TOKEN={fake_github_token(99)}\n")


def _found(report) -> list[tuple[str, str, int | None]]:
    return [(f.location.path, f.rule_id, f.location.line) for f in report.findings]


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers are not forked here")
def test_what_workers_share_is_loaded_before_the_fork_and_findings_do_not_change(tmp_path):
    _tree(tmp_path)
    serial = scan_paths([str(tmp_path)], Engine.build(Config(jobs=1)))
    engine = Engine.build(Config(jobs=2))
    assert set(engine.matcher._prefilters) == {()}  # only the prefilter of the rules that apply everywhere
    parallel = scan_paths([str(tmp_path)], engine)
    assert _found(parallel) == _found(serial) and len(_found(serial)) >= 5
    # The parent loaded the prefilters of the path-limited rules these files call for (the workers'
    # own loads stay in the workers), and the document scanners.
    limited = {engine.matcher.applicable_limited(name) for name in ("deploy.ini", "app.env")}
    assert limited - {()} and limited <= set(engine.matcher._prefilters)
    assert all(module in sys.modules for module in BUILTIN_SCANNER_MODULES)
