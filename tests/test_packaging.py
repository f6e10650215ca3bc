"""A non-editable install finds its rule packs from any directory."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_installed_package_ships_its_patterns(tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(REPO)], check=True, capture_output=True)
    assert list((target / "leakscan" / "patterns").glob("*.yaml"))
    env = {**os.environ, "PYTHONPATH": str(target), "LEAKSCAN_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-m", "leakscan", "rules", "list"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True).stdout
    assert "github.pat.classic" in out
    loaded_from = subprocess.run([sys.executable, "-c", "import leakscan; print(leakscan.__file__)"],
                                 cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert loaded_from.startswith(str(target))
