"""`leakscan baseline create|update PATH -o FILE`: accept today's findings, report only new ones later."""
from __future__ import annotations

import os
from dataclasses import replace
from typing import Optional

import click

from leakscan.suppression.baseline import FORMAT, Baseline, BaselineError, baseline_document, load_baseline, write_baseline
from leakscan.cli import UsageFailure, engine_options, make_config, make_engine, tqdm_progress
from leakscan.model import Report
from leakscan.pipeline.tree import scan_paths

DEFAULT_OUTPUT = ".leakscan-baseline.json"


def _scan(path: str, history: bool, engine_kw: dict) -> Report:
    if engine_kw.pop("baseline", None):
        raise UsageFailure("--baseline does not apply here: the file written is the baseline")
    # A baseline set in the config file must not hide the findings being baselined.
    config = replace(make_config(**engine_kw), baseline=None)
    engine = make_engine(config)
    if not history:
        return scan_paths([path], engine, tqdm_progress(config.progress, "file"))
    from leakscan.cli.git import blob_progress, open_repo
    from leakscan.pipeline.history import scan_history
    from leakscan.sources.git.repo import tip_revisions

    repo = open_repo(path)
    progress, done = blob_progress(config.progress)
    try:
        return scan_history(repo, tip_revisions(repo), engine, progress)
    finally:
        done()


def _previous(output: str) -> Optional[Baseline]:
    if not os.path.exists(output):
        return None
    try:
        previous = load_baseline(output)
    except BaselineError as exc:
        raise UsageFailure(str(exc)) from exc
    if not previous.entries and previous.hashed_secrets:
        raise UsageFailure(f"{output} is a detect-secrets baseline; write the leakscan baseline to another file")
    return previous


def _write(report: Report, output: str, previous: Optional[Baseline]) -> None:
    document = baseline_document(report.findings, previous)
    write_baseline(document, output)
    click.echo(f"{len(document['findings'])} finding(s) written to {output} ({FORMAT} v{document['version']}); "
               f"{len(report.errors)} error(s) while scanning", err=True)
    for err in report.errors:
        click.echo(f"error: {err.path}: {err.message}", err=True)


@click.group("baseline")
def baseline_group() -> None:
    """Create or update a baseline of accepted findings (fingerprints and hashes, no plaintext)."""


def baseline_options(func):
    for option in reversed([
        click.argument("path", default=".", type=click.Path(exists=True)),
        click.option("--output", "-o", default=DEFAULT_OUTPUT, show_default=True, type=click.Path(dir_okay=False),
                     help="Baseline file to write."),
        click.option("--history", is_flag=True,
                     help="Baseline the git history of PATH (for `leakscan git`), not its files."),
    ]):
        func = option(func)
    return engine_options(func)


@baseline_group.command("create")
@baseline_options
def create(path: str, output: str, history: bool, **engine_kw: object) -> None:
    """Scan PATH and write every finding to the baseline (replacing the file)."""
    _write(_scan(path, history, engine_kw), output, None)


@baseline_group.command("update")
@baseline_options
def update(path: str, output: str, history: bool, **engine_kw: object) -> None:
    """Rescan PATH and rewrite the baseline: new findings added, fixed ones dropped, keys you added kept."""
    previous = _previous(output)
    _write(_scan(path, history, engine_kw), output, previous)


def register(cli: click.Group) -> None:
    cli.add_command(baseline_group)
