"""A history report is a function of the repository and the rules: not of workers, scheduling or the version cache."""
from __future__ import annotations

import gc
import json
import multiprocessing
import os
from dataclasses import replace
from pathlib import Path

import pytest

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline import history as gitscan
from leakscan.reporters.json_report import report_dict
from leakscan.sources.git.repo import open_repository, tip_revisions
from leakscan.store.findings_cache import SqliteFindingsCache
from tests.conftest import fake_github_token
from tests.gitrepo import GitRepo


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.build(Config(jobs=1))


def _filler(n: int) -> str:
    return "".join(f"line {n}.{i} = {'x' * 40}\n" for i in range(30))  # ~1.7 KB: a small cache overflows


def _history_with_returns_and_branches(root: Path) -> GitRepo:
    """Over 64 blobs (so jobs=2 starts workers), with what a version is compared with made to
    matter: a settings file that keeps its token while it grows, a file deleted and added back
    (no parent version) with its token, and a branch editing the same file, merged back."""
    token, returning, branch_token = fake_github_token(301), fake_github_token(302), fake_github_token(303)
    repo = GitRepo(root)
    settings = f"TOKEN = '{token}'\n"
    repo.commit("start", {"settings.py": settings, "back.env": f"KEY={returning}\n", "shared.txt": "a\n",
                          "copy/back.env": f"KEY={returning}\n"})  # the same blob at another path: also_at
    for n in range(36):
        settings += _filler(n)[:200]
        # The token leaves settings.py for one commit and comes back: a second sighting (also_at).
        shown = settings.replace(f"TOKEN = '{token}'\n", "TOKEN = None\n") if n == 20 else settings
        files: dict[str, str | None] = {"settings.py": shown, f"pkg/m{n}.py": _filler(n)}
        if n % 6 == 1:
            files["back.env"] = None  # deleted ...
        elif n % 6 == 4:
            files["back.env"] = f"KEY={returning}\nround = {n}\n"  # ... and added back: no parent version
        repo.commit(f"c{n}", files)
    main_shared = "a\n"
    repo.git("checkout", "-q", "-b", "side")
    for n in range(4):
        repo.commit(f"side {n}", {"shared.txt": f"a\nside {n}\nS = '{branch_token}'\n",
                                  f"side/f{n}.txt": _filler(90 + n)})
    repo.git("checkout", "-q", "main")
    for n in range(4):
        main_shared += f"main {n}\n"
        repo.commit(f"main {n}", {"shared.txt": main_shared, f"main/f{n}.txt": _filler(80 + n)})
    repo.git("merge", "-q", "--no-ff", "-X", "theirs", "side", "-m", "merge side")
    repo.commit("after merge", {"shared.txt": (repo.path / "shared.txt").read_text() + f"T = '{token}'\n"})
    return repo


def _findings_json(repo: GitRepo, engine: Engine, jobs: int, cache: SqliteFindingsCache | None = None,
                   branches: tuple[str, ...] = ()) -> str:
    scan_engine = replace(engine, config=replace(engine.config, jobs=jobs))
    opened = open_repository(str(repo.path))
    report = gitscan.scan_history(opened, tip_revisions(opened, branches), scan_engine, cache=cache)
    assert report.errors == ()
    return json.dumps(report_dict(report)["findings"], sort_keys=True, indent=1)


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    return _history_with_returns_and_branches(tmp_path_factory.mktemp("determinism") / "r")


def test_findings_are_byte_identical_whatever_the_workers_and_the_cache_bound(
        history_repo: GitRepo, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = _findings_json(history_repo, engine, 1)  # the default bound holds this whole history
    assert reference.count('"rule_id": "github.pat.classic"') == 4
    assert reference.count('"also_at": [\n') == 2  # the copy, and the token back in settings.py
    for budget in (4096, 0):  # a bound the history exceeds; and one that keeps nothing
        monkeypatch.setattr(gitscan, "VERSION_CACHE_BUDGET", budget)
        for jobs in (1, 2, 2):
            assert _findings_json(history_repo, engine, jobs) == reference, (budget, jobs)


def test_the_store_gives_the_same_findings_whatever_the_cache_bound(
        history_repo: GitRepo, engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Blobs stored under one bound are read back under another: their keys name what they were compared with."""
    reference = _findings_json(history_repo, engine, 1, branches=("main",))
    monkeypatch.setattr(gitscan, "VERSION_CACHE_BUDGET", 0)
    assert _findings_json(history_repo, engine, 2, SqliteFindingsCache(tmp_path / "s.sqlite3", "r")) == \
        _findings_json(history_repo, engine, 1)
    monkeypatch.setattr(gitscan, "VERSION_CACHE_BUDGET", 4096)
    read: list[int] = []  # blobs read and scanned, not taken from the store
    real_scan = gitscan.BlobScanner.scan
    monkeypatch.setattr(gitscan.BlobScanner, "scan",
                        lambda self, batch: read.append(len(batch)) or real_scan(self, batch))
    # Other revisions (main only: the same commits): no stored report or walk state, every blob from the store.
    stored = _findings_json(history_repo, engine, 1, SqliteFindingsCache(tmp_path / "s.sqlite3", "r"), ("main",))
    assert stored == reference and read == []


def test_the_parent_pauses_its_collector_only_while_it_walks_and_routes(history_repo, engine, monkeypatch):
    """Off while the walk's tables grow (the collector found nothing in them and cost a second on
    rails/rails), on again once the workers are done."""
    enabled_at_each_task = []
    introductions = gitscan._introductions

    def watched(*args: object):
        for task in introductions(*args):
            enabled_at_each_task.append(gc.isenabled())
            yield task

    monkeypatch.setattr(gitscan, "_introductions", watched)
    assert gc.isenabled()
    _findings_json(history_repo, engine, jobs=2)
    assert gc.isenabled()
    head = gitscan.SEQUENTIAL_BELOW  # listed before any worker starts, with the collector on
    assert len(enabled_at_each_task) > head and all(enabled_at_each_task[:head])
    assert not any(enabled_at_each_task[head:])


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="the probe reaches workers by fork")
def test_workers_collect_young_objects_less_often(history_repo, engine, monkeypatch, tmp_path):
    made = gitscan.blob_scanner

    def noting(*args: object) -> gitscan.BlobScanner:  # runs in each worker, as it starts
        (tmp_path / f"worker-{os.getpid()}").write_text(str(gc.get_threshold()[0]))
        return made(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(gitscan, "blob_scanner", noting)
    _findings_json(history_repo, engine, jobs=2)
    thresholds = [p.read_text() for p in tmp_path.glob("worker-*")]
    assert thresholds == [str(gitscan.WORKER_YOUNG_COLLECTION)] * 2
    assert gc.get_threshold()[0] != gitscan.WORKER_YOUNG_COLLECTION  # the parent's is its own
