"""Run git plumbing on an untrusted repository without running anything it asks for.

A repository's own config, hooks and attributes can name programs: fsmonitor,
pagers, external diff and textconv drivers, clean/smudge filters, gpg, ssh,
promisor remotes with `ext::` URLs fetched lazily for missing objects. Every
git process leakscan starts goes through `GitRunner`, which switches those off
on the command line (command-line config outranks the repository's), drops the
system and global config, and runs with a minimal environment.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

# `-c` settings that neutralise every config key known to make read-only
# plumbing run a program or reach the network.
SAFE_CONFIG: tuple[str, ...] = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.sshCommand=false",
    "core.gitProxy=",
    "core.askPass=",
    "core.alternateRefsCommand=",
    "core.attributesFile=/dev/null",
    "core.useReplaceRefs=false",  # replace refs could swap a secret-bearing blob for a clean one
    "core.untrackedCache=false",
    "core.quotePath=false",
    "diff.external=",
    "diff.noprefix=false",
    "log.showSignature=false",  # verifying a signature runs gpg.program
    "gpg.program=false",
    "gpg.ssh.program=false",
    "gpg.x509.program=false",
    "credential.helper=",
    # No transport at all, so no lazy fetch of missing objects from a promisor remote;
    # per-protocol keys too, since a repository's protocol.<name>.allow outranks protocol.allow.
    "protocol.allow=never",
    "protocol.ext.allow=never",
    "protocol.file.allow=never",
    "protocol.git.allow=never",
    "protocol.ssh.allow=never",
    "protocol.http.allow=never",
    "protocol.https.allow=never",
    "submodule.recurse=false",
    "color.ui=false",
    "log.decorate=false",
    "i18n.logOutputEncoding=UTF-8",
    "maintenance.auto=false",
    "gc.auto=0",
)

# Memory: git maps pack files in windows that count towards its resident size;
# capping the mapped total keeps each git process small on large histories
# at a cost of a few percent more system time.
RESOURCE_CONFIG: tuple[str, ...] = (
    "core.packedGitLimit=128m",
    "core.packedGitWindowSize=32m",
)

# Environment kept from the caller: inside a git hook these say which index
# and object store the commit in progress uses.
_HOOK_ENV = ("GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH")


# Held while a git process is started, and by any fork of this process: a child forked (a
# scan worker) while another thread starts git would inherit the pipe on which subprocess
# waits for git's exec, and that thread would then wait forever. Seen on rails/rails, where
# the history walk starts git from a thread while the workers are forked.
_spawn_lock = threading.RLock()


def _renew_spawn_lock() -> None:
    global _spawn_lock
    _spawn_lock = threading.RLock()  # the child's copy is held: the fork took it


if hasattr(os, "register_at_fork"):  # not on Windows, where workers are spawned, not forked
    os.register_at_fork(before=lambda: _spawn_lock.acquire(), after_in_parent=lambda: _spawn_lock.release(),
                        after_in_child=_renew_spawn_lock)


@contextmanager
def input_file(data: bytes) -> Iterator[IO[bytes]]:
    """`data` in a file to give git as its input. Not a pipe: a scan worker forked while git
    runs would inherit the pipe's write end, and git would wait for the end of its input forever."""
    import tempfile  # only for git given input: most git runs read none (/dev/null)

    with tempfile.TemporaryFile() as given:
        given.write(data)
        given.seek(0)
        yield given


class GitError(RuntimeError):
    """A git command failed; the message carries its stderr."""


def safe_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no user or system config, no prompts, no pager, no lazy fetch."""
    source = os.environ if base is None else base
    env = {
        "PATH": source.get("PATH", os.defpath),
        "HOME": os.devnull,  # no ~/.gitconfig, no ~/.config/git/attributes
        "LC_ALL": "C",
        "LANG": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_SYSTEM": os.devnull,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_EDITOR": "false",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_NO_LAZY_FETCH": "1",
        "GIT_ALLOW_PROTOCOL": "",  # an empty allow-list: every transport refused, whatever the config says
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_OPTIONAL_LOCKS": "0",  # read-only: never refresh or rewrite the index
        "GIT_LITERAL_PATHSPECS": "1",  # paths come from the repository: no glob or magic
    }
    for name in _HOOK_ENV:
        value = source.get(name)
        if value:
            env[name] = os.path.abspath(value) if name == "GIT_INDEX_FILE" else value
    return env


def git_executable() -> str:
    found = shutil.which("git")
    if not found:
        raise GitError("git is not installed (or not on PATH)")
    return found


@dataclass(frozen=True)
class GitRunner:
    """How to run git on one repository: paths resolved, config and environment locked down."""

    git_dir: str
    work_tree: str | None  # None for a bare repository
    executable: str = field(default_factory=git_executable)
    env: dict[str, str] = field(default_factory=safe_env, compare=False)

    def argv(self, args: Sequence[str], config: Sequence[str] = ()) -> list[str]:
        head = [self.executable, "--no-pager", "--no-replace-objects", f"--git-dir={self.git_dir}"]
        if self.work_tree:
            head.append(f"--work-tree={self.work_tree}")
        # The repository may belong to another user (a CI checkout): with its config defused, trust it.
        trusted = (f"safe.directory={self.git_dir}", f"safe.directory={self.work_tree or self.git_dir}")
        for setting in SAFE_CONFIG + RESOURCE_CONFIG + tuple(config) + trusted:
            head += ["-c", setting]
        return head + list(args)

    @property
    def cwd(self) -> str:
        return self.work_tree or self.git_dir

    def run(self, args: Sequence[str], stdin: bytes | None = None, check: bool = True) -> bytes:
        """Run to completion; stdout as bytes. Raises GitError on a non-zero exit when `check`."""
        with input_file(stdin) if stdin else contextlib.nullcontext(subprocess.DEVNULL) as given:
            proc = self.popen(args, stderr=subprocess.PIPE, stdin=given)
            try:
                out, err = proc.communicate()
            except BaseException:  # interrupted (Ctrl-C): git must not outlive the scan
                stop_process(proc)
                raise
        if check and proc.returncode != 0:
            message = err.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
            raise GitError(f"git {args[0]}: {message}")
        return out

    def popen(self, args: Sequence[str], stderr: IO[bytes] | int, stdin: IO[bytes] | int | None = None,
              stdout: IO[bytes] | int = subprocess.PIPE, config: Sequence[str] = ()) -> subprocess.Popen[bytes]:
        """A streaming process: stdout piped (or to a file); stderr to a file, or a pipe the
        caller drains (one nobody drains could block git). `config`: more `-c` settings,
        resource limits only."""
        with _spawn_lock:
            return subprocess.Popen(self.argv(args, config), stdin=stdin, stdout=stdout,
                                    stderr=stderr, env=self.env, cwd=self.cwd)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Kill a git process and reap it (no zombie, no orphan)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def wait_process(proc: subprocess.Popen[bytes], stop: threading.Event | None = None, poll: float = 0.2) -> int:
    """Wait for git to exit; kill it when `stop` is set or the wait is interrupted (Ctrl-C),
    so a stopped scan leaves no git behind. Returns the exit status (negative when killed)."""
    try:
        while True:
            try:
                return proc.wait(timeout=poll)
            except subprocess.TimeoutExpired:
                if stop is not None and stop.is_set():
                    stop_process(proc)
                    return proc.returncode
    except BaseException:
        stop_process(proc)
        raise
