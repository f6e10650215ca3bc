"""`leakscan baseline create|update PATH -o FILE`: accept today's findings, report only new ones later."""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TextIO

import click

from leakscan.cli.options import (
    STDIN,
    Command,
    UsageFailure,
    check_inputs,
    engine_options,
    make_config,
    make_engine,
    scan_inputs,
)
from leakscan.cli.output import is_stdio, write_output
from leakscan.cli.progress import history_progress
from leakscan.model import Report
from leakscan.reporters.text import printable
from leakscan.suppression.baseline import (
    FORMAT,
    Baseline,
    BaselineChanges,
    BaselineError,
    baseline_changes,
    baseline_document,
    load_baseline,
)

DEFAULT_OUTPUT = ".leakscan-baseline.json"


def _scan(path: str, history: bool, engine_kw: dict[str, Any]) -> Report:
    if engine_kw.pop("baseline", None):
        raise UsageFailure("--baseline does not apply here: the file written is the baseline")
    # A baseline set in the config file must not hide the findings being baselined.
    config = replace(make_config(**engine_kw), baseline=None)
    engine = make_engine(config)
    if not history:
        check_inputs([path])
        return scan_inputs([path], engine)
    from leakscan.cli.git import open_repo
    from leakscan.pipeline.history import scan_history
    from leakscan.sources.git.repo import tip_revisions

    repo = open_repo(path)
    with history_progress(config.progress) as progress:
        return scan_history(repo, tip_revisions(repo), engine, progress)


def _previous(output: str) -> Baseline | None:
    if output == STDIN:
        raise UsageFailure("baseline update rewrites a baseline file: name it with -o (- is for create)")
    if not os.path.exists(output):
        return None
    try:
        previous = load_baseline(output)
    except BaselineError as exc:
        raise UsageFailure(str(exc)) from exc
    if not previous.entries and previous.hashed_secrets:
        raise UsageFailure(f"{output} is a detect-secrets baseline; write the leakscan baseline to another file")
    return previous


def _write(report: Report, output: str, previous: Baseline | None) -> None:
    document = baseline_document(report.findings, previous)

    def dump(handle: TextIO) -> None:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")

    if is_stdio(output):
        dump(sys.stdout)
    else:
        write_output(output, dump)  # whole or not at all
    click.echo(f"{len(document['findings'])} finding(s) written to {output} ({FORMAT} v{document['version']}); "
               f"{len(report.errors)} error(s) while scanning", err=True)
    if previous is not None:
        _say_changes(baseline_changes(previous, document))
    for err in report.errors:
        click.echo(f"error: {printable(err.path)}: {printable(err.message)}", err=True)


def _say_changes(changes: BaselineChanges) -> None:
    """What an update did: entries added (new findings) and dropped (fixed or gone), by rule and path."""
    click.echo(f"added {len(changes.added)}, dropped {len(changes.dropped)}, kept {changes.kept}", err=True)
    for sign, entries in (("+", changes.added), ("-", changes.dropped)):
        for entry in entries:
            line = f":{entry['line']}" if entry.get("line") else ""
            click.echo(f"  {sign} {entry.get('rule_id', '?')}  {printable(entry.get('path', '?'))}{line}", err=True)


@click.group("baseline")
def baseline_group() -> None:
    """Create or update a baseline of accepted findings (fingerprints and hashes, no plaintext)."""


def baseline_options(func: Command) -> Command:
    options: list[Callable[[Command], Command]] = [
        click.argument("path", default="."),
        click.option("--output", "-o", default=DEFAULT_OUTPUT, show_default=True,
                     type=click.Path(dir_okay=False, allow_dash=True), help="Baseline file to write (- for stdout)."),
        click.option("--history", is_flag=True,
                     help="Baseline the git history of PATH (for `leakscan git`), not its files."),
    ]
    for option in reversed(options):
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
