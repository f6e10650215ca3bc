"""Generated repositories with planted fake secrets, for the `leakscan repos` tests."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import fake_aws_key_id, fake_github_token
from tests.gitrepo import GitRepo


def make_fleet(root: Path, count: int, commits: int = 3) -> list[Path]:
    """`count` repositories under root/repos: each has a token in its history (added, then
    removed) and an AWS key id in its last tree, with its own seeds; one in seven has none."""
    paths = []
    for index in range(count):
        repo = GitRepo(root / "repos" / f"repo-{index:03d}")
        repo.commit("start", {"README.md": f"# project {index}\n", "src/app.py": "print('hello')\n"})
        if index % 7 != 3:
            repo.commit("config", {"config/settings.py": f'GITHUB_TOKEN = "{fake_github_token(1000 + index)}"\n'})
            repo.commit("remove token", {"config/settings.py": "import os\nGITHUB_TOKEN = os.environ['T']\n"})
            repo.commit("deploy", {"deploy/env.sh": f"export AWS_ACCESS_KEY_ID={fake_aws_key_id(2000 + index)}\n"})
        for extra in range(commits):
            repo.commit(f"work {extra}", {f"src/mod{extra}.py": f"VALUE = {extra}\n"})
        paths.append(repo.path)
    return paths


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A JSON report without what differs between equal runs: timings, where work ran, reuse."""
    report = json.loads(json.dumps(report))
    report["stats"].pop("seconds", None)
    for status in report.get("repositories", []):
        status.pop("workers", None)
        status.pop("reused", None)
    return report


def fingerprints(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["location"]["repository"], f["fingerprint"]) for f in report["findings"]}
