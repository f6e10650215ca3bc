"""pipeline/tree: the heavy files go first, each a task of its own, and are still scanned."""
from __future__ import annotations

import multiprocessing
import zipfile

import pytest

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.tree import heaviest_first, scan_paths
from leakscan.sources.files import walk_files

from ..conftest import fake_github_token


def _tree(root) -> None:
    for n in range(30):
        (root / f"mod{n:02d}.py").write_text(f"token = '{fake_github_token(n)}'\n" if n % 7 == 0 else "x = 1\n")
    (root / "aa_data.tar").write_bytes(b"not a tar at all, scanned as what it is")
    with zipfile.ZipFile(root / "zz_bundle.whl", "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("pkg/settings.py", f"GITHUB_TOKEN = '{fake_github_token(77)}'\n")
        bundle.writestr("pkg/other.py", "z = 3\n")


def test_archives_lead_the_rest_keep_their_order(tmp_path):
    _tree(tmp_path)
    refs = walk_files([str(tmp_path)], Config()).refs
    ordered, heavy = heaviest_first(refs, archives=True)
    assert [r.display for r in ordered[:2]] == ["aa_data.tar", "zz_bundle.whl"] and heavy == 2
    assert ordered[2:] == [r for r in refs if not r.display.endswith((".tar", ".whl"))]
    assert heaviest_first(refs, archives=False) == (refs, 0)  # not opened: nothing heavy


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers are not forked here")
def test_an_archive_scheduled_first_is_scanned_on_workers_as_in_one_process(tmp_path):
    _tree(tmp_path)

    def found(jobs: int) -> list[tuple[str, str, int | None]]:
        report = scan_paths([str(tmp_path)], Engine.build(Config(jobs=jobs)))
        return [(f.location.path, f.rule_id, f.location.line) for f in report.findings]

    serial, parallel = found(1), found(2)
    assert parallel == serial
    assert any(path == "zz_bundle.whl!/pkg/settings.py" for path, _, _ in parallel)
    assert sum(path.startswith("mod") for path, _, _ in parallel) == 5
