"""`leakscan repos`: many repositories in one run (paths, URLs, organisations), resumable, on Dask if asked."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from leakscan.cli.options import UsageFailure, emit, engine_options, make_config, make_engine, output_options

if TYPE_CHECKING:  # the scale package is imported when the command runs
    from leakscan.config import Config
    from leakscan.model import Report
    from leakscan.scale.forges import ForgeQuery
    from leakscan.scale.run import Executor
    from leakscan.scale.targets import Target
    from leakscan.scale.units import Unit, UnitResult, UnitSettings

    OnResult = Callable[[UnitResult], None]


@click.command("repos")
@click.argument("targets", nargs=-1)
@click.option("--from", "from_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="File with one repository path or clone URL a line (repeatable).")
@click.option("--github-org", multiple=True, metavar="ORG",
              help="Every repository of this GitHub organisation (token: GITHUB_TOKEN).")
@click.option("--gitlab-group", multiple=True, metavar="GROUP",
              help="Every project of this GitLab group and its subgroups (token: GITLAB_TOKEN).")
@click.option("--github-api", default="https://api.github.com", show_default=True, metavar="URL",
              help="GitHub REST API (GitHub Enterprise: https://HOST/api/v3).")
@click.option("--gitlab-api", default="https://gitlab.com/api/v4", show_default=True, metavar="URL",
              help="GitLab REST API.")
@click.option("--include-archived", is_flag=True, help="Also archived repositories of an organisation or group.")
@click.option("--include-forks", is_flag=True, help="Also forks in an organisation or group.")
@click.option("--max-wait", type=click.FloatRange(0), default=300, show_default=True,
              help="Longest wait, in seconds, for an API rate limit to reset.")
@click.option("--history", is_flag=True, help="Scan every branch's and tag's history, not only the tip's files.")
@click.option("--batches", type=click.IntRange(0), default=0,
              help="Split each history into this many blob batches (by path), one task each "
                   "(default: by size, one batch per 50,000 objects of a local repository).")
@click.option("--work-dir", type=click.Path(file_okay=False), default=None,
              help="Where clones go (each removed after its scan; default: the temporary directory).")
@click.option("--state", "state_file", type=click.Path(dir_okay=False), default=None,
              help="SQLite state file: run state and stored findings (default: in the cache directory).")
@click.option("--resume", is_flag=True, help="Go on with the interrupted run of the same repositories and options.")
@click.option("--incremental/--no-incremental", default=True, show_default=True,
              help="Reuse the findings of blobs scanned before with the same rules.")
@click.option("--dask", "dask_address", metavar="ADDRESS", default=None,
              help="Run on this Dask scheduler (tcp://HOST:PORT) instead of the local process pool.")
@click.option("--exclude", multiple=True, help="Gitignore-style pattern of paths to skip (repeatable).")
@click.option("--max-file-size", type=click.IntRange(1), default=None, help="Skip blobs larger than this many bytes.")
@engine_options
@output_options
def repos_command(targets: tuple[str, ...], from_files: tuple[str, ...], github_org: tuple[str, ...],
                  gitlab_group: tuple[str, ...], github_api: str, gitlab_api: str, include_archived: bool,
                  include_forks: bool, max_wait: float, history: bool, batches: int, work_dir: str | None,
                  state_file: str | None, resume: bool, incremental: bool, dask_address: str | None,
                  exclude: tuple[str, ...], max_file_size: int | None, fmt: str, output: str | None,
                  show_secrets: bool, verbose: bool, no_color: bool, fail_on_error: bool,
                  **engine_kw: object) -> None:
    """Scan many repositories in one run: one report, each finding naming its repository.

    TARGETS are repository paths, clone URLs, or directories holding repositories. Remote
    repositories are cloned bare (depth 1 without --history) into a work directory and removed
    after their scan. The run's state is kept in a SQLite file, so an interrupted run goes on
    with --resume; blobs already scanned with the same rules are not scanned again."""
    from leakscan.scale.forges import ForgeQuery
    from leakscan.scale.targets import TargetError, read_target_file, targets_from

    given = list(targets)
    for name in from_files:
        given += read_target_file(name)
    queries = [ForgeQuery("github", org, github_api, include_archived, include_forks, max_wait) for org in github_org]
    queries += [ForgeQuery("gitlab", group, gitlab_api, include_archived, include_forks, max_wait)
                for group in gitlab_group]
    if not given and not queries:
        raise UsageFailure("name repositories: paths, URLs, --from FILE, --github-org or --gitlab-group")
    try:
        found = targets_from(given)
    except TargetError as exc:
        raise UsageFailure(str(exc)) from exc
    found += _enumerate(queries)
    engine_kw.update(exclude=exclude, max_file_size=max_file_size, show_secrets=show_secrets or None)
    config = make_config(**engine_kw)
    report = _run(found, config, history, batches, work_dir, state_file, resume, incremental, dask_address)
    sys.exit(emit(report, fmt, output, show_secrets, verbose, no_color=no_color, fail_on_error=fail_on_error))


def _enumerate(queries: Sequence[ForgeQuery]) -> list[Target]:
    from leakscan.scale.forges import ForgeError, list_repositories

    found: list[Target] = []
    for query in queries:
        try:
            found += list_repositories(query)
        except ForgeError as exc:
            raise UsageFailure(str(exc)) from exc
    return found


def _run(targets: list[Target], config: Config, history: bool, batches: int, work_dir: str | None,
         state_file: str | None, resume: bool, incremental: bool, dask_address: str | None) -> Report:
    from leakscan.cache import cache_dir
    from leakscan.scale.identity import scan_identity
    from leakscan.scale.run import RunPlan, run_repos
    from leakscan.scale.units import UnitSettings
    from leakscan.store.db import default_state_path
    from leakscan.store.runs import RunStore

    engine = make_engine(config)
    state = state_file or str(default_state_path(cache_dir()))
    # On Dask, each worker keeps its findings cache in its own cache directory (the state file
    # may not be reachable there); locally, the state file holds it.
    settings = UnitSettings(config, history, scan_identity(engine), incremental,
                            None if dask_address else state, os.path.abspath(work_dir) if work_dir else None)
    plan = RunPlan(tuple(targets), batches, resume)
    store = RunStore(state)
    try:
        units = plan.units(history)
        with repos_progress(config.progress, len(units)) as progress:
            return run_repos(plan, settings, store, _executor(dask_address, config), progress, units)
    finally:
        store.close()


def _executor(dask_address: str | None, config: Config) -> Executor:
    if dask_address:
        from leakscan.scale.dask_run import DaskUnavailable, run_dask

        def on_dask(units: Sequence[Unit], settings: UnitSettings, on_result: OnResult) -> None:
            try:
                run_dask(dask_address, units, settings, on_result)
            except DaskUnavailable as exc:
                raise UsageFailure(str(exc)) from exc

        return on_dask
    from leakscan.scale.local import run_local

    jobs = config.jobs or os.cpu_count() or 1
    return lambda units, settings, on_result: run_local(units, settings, jobs, on_result)


@contextmanager
def repos_progress(enabled: bool, total: int) -> Iterator[Callable[[int, int, int], None] | None]:
    """Repositories (or batches) done out of the total, with the blobs and findings in them so far."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=total, desc="scanning repositories", unit="repo", file=sys.stderr, leave=False,
               dynamic_ncols=True, mininterval=0.1)
    counts = [0, 0]  # blobs, findings

    def update(done: int, findings: int, blobs: int) -> None:
        counts[0] += blobs
        counts[1] += findings
        bar.set_postfix_str(f"{counts[0]} blobs, {counts[1]} finding(s)", refresh=False)
        bar.update(done)

    try:
        yield update
    finally:
        bar.close()


def register(cli: click.Group) -> None:
    cli.add_command(repos_command)
