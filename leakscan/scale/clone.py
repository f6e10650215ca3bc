"""Repositories opened for scanning: local ones in place, remote ones cloned bare into a work directory."""
from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from leakscan.scale.forges import forge_token
from leakscan.scale.targets import Target, is_url
from leakscan.sources.git.repo import Repository, open_repository
from leakscan.sources.git.safe import GitError, git_executable, safe_env

CLONE_PROTOCOLS = "https:http:ssh:git:file"  # safe_env refuses every transport; a clone needs these
CLONE_TIMEOUT = 3600
_BASIC_USER = {"github": "x-access-token", "gitlab": "oauth2"}


@contextmanager
def opened(target: Target, work_dir: str, history: bool) -> Iterator[Repository]:
    """The repository to scan; a clone lives in its own directory under `work_dir` and is removed after."""
    if not is_url(target.location):
        try:
            local = open_repository(target.location)
        except GitError as exc:
            raise CloneError(str(exc)) from exc
        yield local
        return
    os.makedirs(work_dir, exist_ok=True)
    place = tempfile.mkdtemp(prefix="repo-", dir=work_dir)
    try:
        clone(target, os.path.join(place, "git"), history)
        try:
            cloned = open_repository(os.path.join(place, "git"))
        except GitError as exc:
            raise CloneError(str(exc)) from exc
        yield cloned
    finally:
        shutil.rmtree(place, ignore_errors=True)


class CloneError(RuntimeError):
    """A repository that could not be cloned or opened; the message is git's, without credentials."""


def clone(target: Target, dest: str, history: bool) -> None:
    """Bare, no checkout. Without --history only the tip is needed: a depth-1 clone of the default
    branch; with it, every branch and tag (the history walk reads all of them)."""
    args = [git_executable(), "clone", "--bare", "--quiet"]
    if not history:
        args += ["--depth", "1", "--single-branch", "--no-tags"]
    try:
        proc = subprocess.run([*args, "--", target.location, dest], env=_clone_env(target), capture_output=True,
                              timeout=CLONE_TIMEOUT, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CloneError(f"clone took more than {CLONE_TIMEOUT} s") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CloneError(f"clone failed: {message[-1] if message else f'exit status {proc.returncode}'}")


def object_count(path: str) -> int:
    """Objects in a local repository, loose and packed (`git count-objects -v`): a cheap size."""
    counts = {}
    for line in open_repository(path).runner.run(["count-objects", "-v"]).decode("ascii", "replace").splitlines():
        name, _, value = line.partition(":")
        counts[name.strip()] = value.strip()
    return sum(int(counts.get(k, "0") or 0) for k in ("count", "in-pack"))


def _clone_env(target: Target) -> dict[str, str]:
    """The scanner's locked-down environment with the transports a clone needs; a forge's token
    goes in an HTTP header set through the environment, never in the URL or the command line."""
    env = safe_env()
    env["GIT_ALLOW_PROTOCOL"] = CLONE_PROTOCOLS
    env.pop("GIT_NO_LAZY_FETCH", None)
    token = forge_token(target.forge) if target.forge else None
    if token:
        pair = base64.b64encode(f"{_BASIC_USER[target.forge]}:{token}".encode()).decode()
        env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraHeader",
                   GIT_CONFIG_VALUE_0=f"Authorization: Basic {pair}")
    return env
