"""`leakscan git` (history, ranges, staged content) and `leakscan staged` (the pre-commit hook)."""
from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import Any

import click

from leakscan.cli.options import (
    EXIT_FINDINGS,
    UsageFailure,
    check_inputs,
    emit,
    engine_options,
    findings_cache,
    incremental_options,
    make_config,
    make_engine,
    output_options,
)
from leakscan.cli.progress import history_progress
from leakscan.model import Report
from leakscan.pipeline.config_trust import trusted_settings
from leakscan.pipeline.history import scan_history, scan_staged
from leakscan.reporters.text import printable
from leakscan.sources.git.repo import Repository, open_repository, resolve_commit, tip_revisions
from leakscan.sources.git.safe import GitError


def open_repo(path: str) -> Repository:
    check_inputs([path])
    if not os.path.isdir(path):
        raise UsageFailure(f"{printable(path)} is not a directory (a repository or a directory inside one)")
    try:
        return open_repository(path)
    except GitError as exc:
        raise UsageFailure(str(exc)) from exc


def range_revs(repo: Repository, since_commit: str | None, commit_range: str | None,
               tips: list[str]) -> list[str]:
    """Revisions for --range A..B or --since-commit REV (up to the branch tips)."""
    try:
        if commit_range:
            start, dots, end = commit_range.partition("..")
            if not dots or not end or end.startswith("."):
                raise UsageFailure(f"--range expects A..B, got {commit_range!r}")
            since = [f"^{resolve_commit(repo.runner, start)}"] if start else []
            return since + [resolve_commit(repo.runner, end)]
        assert since_commit is not None
        return [f"^{resolve_commit(repo.runner, since_commit)}"] + tips
    except GitError as exc:
        raise UsageFailure(str(exc)) from exc


def base_revision(repo: Repository, since_commit: str | None, commit_range: str | None,
                  staged: bool) -> str | None:
    """The commit a scanned change starts from, whose configuration files apply (config_trust)."""
    if staged:
        try:  # one rev-parse
            return resolve_commit(repo.runner, "HEAD")
        except GitError:
            return None  # no commit yet: no base revision, no base configuration
    try:
        start = commit_range.partition("..")[0] if commit_range else since_commit
        return resolve_commit(repo.runner, start) if start else None
    except GitError as exc:
        raise UsageFailure(str(exc)) from exc


def run_git_scan(repo: Repository, engine_kw: dict[str, Any], *, branches: tuple[str, ...] = (), all_refs: bool = False,
                 since_commit: str | None = None, commit_range: str | None = None,
                 staged: bool = False, paths: tuple[str, ...] = (),
                 incremental: tuple[bool, str | None] = (False, None)) -> Report:
    def base() -> str | None:  # asked only when a configuration file needs it (config_trust)
        return base_revision(repo, since_commit, commit_range, staged)

    with trusted_settings(repo, base, engine_kw) as (trusted_kw, notices):
        report = _run_git_scan(repo, trusted_kw, branches=branches, all_refs=all_refs, since_commit=since_commit,
                               commit_range=commit_range, staged=staged, paths=paths, incremental=incremental)
    errors = tuple(sorted(report.errors + tuple(notices), key=lambda e: (e.path, e.message)))
    return replace(report, errors=errors, stats=replace(report.stats, errors=len(errors)))


def _run_git_scan(repo: Repository, engine_kw: dict[str, Any], *, branches: tuple[str, ...], all_refs: bool,
                  since_commit: str | None, commit_range: str | None, staged: bool,
                  paths: tuple[str, ...], incremental: tuple[bool, str | None]) -> Report:
    config = make_config(**engine_kw)
    engine = make_engine(config)
    cache = findings_cache(engine, *incremental)  # --incremental: blobs scanned before are not scanned again
    phase = "scanning staged changes" if staged else "scanning history"
    with history_progress(config.progress, phase) as progress:
        try:
            if staged:
                return scan_staged(repo, paths, engine, progress)
            if commit_range or since_commit:
                # --since-commit counts commits up to HEAD unless branches are named.
                tips = tip_revisions(repo, branches, all_refs) if branches or all_refs else ["HEAD"]
                return scan_history(repo, range_revs(repo, since_commit, commit_range, tips), engine, progress, cache)
            return scan_history(repo, tip_revisions(repo, branches, all_refs), engine, progress, cache)
        except (GitError, RuntimeError) as exc:
            raise UsageFailure(str(exc)) from exc


@click.command("git")
@click.argument("repo", default=".")
@click.option("--branch", "branches", multiple=True, metavar="NAME",
              help="Scan only the history of this branch, tag or commit (repeatable).")
@click.option("--all-refs", is_flag=True,
              help="Every ref, not only branches and tags (pull-request refs, stash, notes).")
@click.option("--since-commit", metavar="REV",
              help="Only what the commits after REV added (up to HEAD, or to --branch).")
@click.option("--range", "commit_range", metavar="A..B", help="Only what the commits in A..B added (a push, a PR).")
@click.option("--staged", is_flag=True, help="Only staged content (what the next commit would hold).")
@click.option("--exclude", multiple=True, help="Gitignore-style pattern of paths to skip (repeatable).")
@click.option("--max-file-size", type=click.IntRange(1), default=None, help="Skip blobs larger than this many bytes.")
@click.option("--no-archives", is_flag=True, help="Do not open archives committed to the repository.")
@click.option("--no-decode", is_flag=True, help="Do not decode base64, percent-encoded or escaped values.")
@engine_options
@output_options
@incremental_options
def git_command(repo: str, branches: tuple[str, ...], all_refs: bool, since_commit: str | None,
                commit_range: str | None, staged: bool, exclude: tuple[str, ...], max_file_size: int | None,
                no_archives: bool, no_decode: bool, fmt: str, output: str | None, show_secrets: bool,
                verbose: bool, no_color: bool, fail_on_error: bool, incremental: bool, state_file: str | None,
                **engine_kw: object) -> None:
    """Scan a git repository's history: every blob on every branch and tag, read once.

    Each finding names the commit that introduced it. Versions of a file are
    read oldest first and only the lines a version adds are scanned, so a
    secret is reported once, at its first appearance."""
    if sum(map(bool, (since_commit, commit_range, staged))) > 1:
        raise UsageFailure("--since-commit, --range and --staged are alternatives; give one")
    if commit_range and branches:
        raise UsageFailure("--range names its commits itself; drop --branch")
    engine_kw.update(exclude=exclude, max_file_size=max_file_size, show_secrets=show_secrets or None,
                     archives=False if no_archives else None, decode=False if no_decode else None)
    report = run_git_scan(open_repo(repo), engine_kw, branches=branches, all_refs=all_refs,
                          since_commit=since_commit, commit_range=commit_range, staged=staged,
                          incremental=(incremental, state_file))
    sys.exit(emit(report, fmt, output, show_secrets, verbose, no_color=no_color, fail_on_error=fail_on_error))


@click.command("staged")
@click.argument("paths", nargs=-1)
@click.option("--repo", default=".", show_default=True,
              help="Repository (or a directory inside it).")
@click.option("--exclude", multiple=True, help="Gitignore-style pattern of paths to skip (repeatable).")
@click.option("--max-file-size", type=click.IntRange(1), default=None, help="Skip files larger than this many bytes.")
@engine_options
@output_options
def staged_command(paths: tuple[str, ...], repo: str, exclude: tuple[str, ...], max_file_size: int | None,
                   fmt: str, output: str | None, show_secrets: bool, verbose: bool, no_color: bool,
                   fail_on_error: bool, **engine_kw: object) -> None:
    """Scan the staged content of PATHS (default: every staged change). Used by the pre-commit hook."""
    engine_kw.update(exclude=exclude, max_file_size=max_file_size, show_secrets=show_secrets or None)
    handle = open_repo(repo)
    report = run_git_scan(handle, engine_kw, staged=True, paths=tuple(_from_root(handle, p) for p in paths))
    code = emit(report, fmt, output, show_secrets, verbose, no_color=no_color, fail_on_error=fail_on_error)
    if code == EXIT_FINDINGS and fmt == "text":  # a person reads it (the hook's output)
        click.echo(BLOCKED_HELP.format(count=len(report.findings)), err=True)
    sys.exit(code)


BLOCKED_HELP = """\
leakscan: commit blocked: {count} finding(s) in the staged changes (masked above).
  fix:    take the value out of the file (read it from the environment or a secret store), `git add`
          the file again and commit; a real credential that was ever committed or pushed must be revoked.
  ignore: a false positive or a test value? add `leakscan:ignore` in a comment on its line
          (`leakscan:ignore-next-line` on the line before), or accept today's findings into a baseline:
          `leakscan baseline create -o .leakscan-baseline.json`, then give the hook \
`--baseline .leakscan-baseline.json`.
  bypass: `git commit --no-verify` skips every hook for this one commit (the value is then committed)."""


def _from_root(repo: Repository, path: str) -> str:
    """PATHS are relative to the current directory (pre-commit runs hooks at the root); git wants them
    relative to the root of the work tree."""
    root = repo.runner.work_tree
    return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/") if root else path


def register(cli: click.Group) -> None:
    cli.add_command(git_command)
    cli.add_command(staged_command)
