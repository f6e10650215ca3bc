"""What history scans import, and where: the findings stages before workers are forked, never for a hook.

Each scan runs in a fresh interpreter, so sys.modules says what the scan itself imported."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import leakscan
from leakscan.pipeline.history import WORKER_MODULES
from tests.gitrepo import GIT_ENV, GitRepo

ROOT = Path(leakscan.__file__).resolve().parent.parent
SCAN = """
import json, sys
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.history import scan_history
from leakscan.sources.git.repo import open_repository, tip_revisions
repo = open_repository(sys.argv[1])
report = scan_history(repo, tip_revisions(repo), Engine.build(Config(jobs=int(sys.argv[2]))))
print(json.dumps({"blobs": report.stats.files, "findings": len(report.findings), "modules": sorted(sys.modules)}))
"""


def _plain_history(root: Path) -> GitRepo:
    """Over 64 blobs (so jobs=2 starts workers), plain text without a candidate."""
    repo = GitRepo(root)
    for n in range(3):
        repo.commit(f"notes {n}", {f"notes/{i}.txt": f"Meeting {n} about topic {i}.\n" for i in range(30)})
    return repo


def _scan(repo: GitRepo, jobs: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", SCAN, str(repo.path), str(jobs)], capture_output=True, text=True,
                          env={**GIT_ENV, "PYTHONPATH": str(ROOT)}, timeout=300, check=True)
    return json.loads(proc.stdout)


def test_workers_are_forked_with_the_findings_stages_imported(tmp_path):
    """Imported once in the parent, shared with the workers, not imported again by each (nor their
    data tables loaded again): the parent needs none of them itself for a history without findings."""
    seen = _scan(_plain_history(tmp_path / "r"), jobs=2)
    assert seen["blobs"] == 90 and seen["findings"] == 0
    assert [m for m in WORKER_MODULES if m not in seen["modules"]] == []


def test_a_scan_in_one_process_imports_them_only_when_it_needs_them(tmp_path):
    seen = _scan(_plain_history(tmp_path / "r"), jobs=1)
    assert seen["blobs"] == 90
    assert [m for m in WORKER_MODULES if m in seen["modules"]] == []
