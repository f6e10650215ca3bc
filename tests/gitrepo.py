"""Real git repositories in tmp_path for the git source, scan and hook tests."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

# Test repositories are built with plain git, isolated from the machine's own config
# (a global commit.gpgsign or hooksPath must not change what the tests build).
GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Alice Example",
    "GIT_AUTHOR_EMAIL": "alice@example.com",
    "GIT_COMMITTER_NAME": "Alice Example",
    "GIT_COMMITTER_EMAIL": "alice@example.com",
}


class GitRepo:
    """A repository with deterministic commit dates (one day apart, in commit order)."""

    def __init__(self, path: Path, branch: str = "main") -> None:
        self.path = path
        self.commits = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)

    def git(self, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> str:
        proc = subprocess.run(["git", *args], cwd=self.path, env={**GIT_ENV, **(env or {})}, input=input,
                              capture_output=True, check=True)
        return proc.stdout.decode()

    def write(self, name: str, text: str) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def commit(self, message: str, files: dict[str, str | None] | None = None,
               author: str = "Alice Example") -> str:
        """Write (or, for None, delete) files, stage everything and commit; returns the sha."""
        for name, text in (files or {}).items():
            if text is None:
                (self.path / name).unlink()
            else:
                self.write(name, text)
        self.git("add", "-A")
        self.commits += 1
        date = f"{1704110400 + self.commits * 86400} +0000"  # 2024-01-01 12:00 UTC plus a day a commit
        self.git("commit", "-q", "--allow-empty", "-m", message,
                 env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": author})
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def blob(self, rev_path: str) -> str:
        return self.git("rev-parse", rev_path).strip()

    def loose_object(self, sha: str) -> Path:
        return self.path / ".git" / "objects" / sha[:2] / sha[2:]
