"""`leakscan baseline create|update|import`: accept today's findings (or another scanner's), report only new ones."""
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
from leakscan.suppression.imports import ImportedPlace, ImportFormatError, match_places, read_places

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


def _write_document(document: dict[str, Any], output: str) -> None:
    """The baseline as JSON to stdout (`-`) or to a file, whole or not at all."""
    def dump(handle: TextIO) -> None:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")

    if is_stdio(output):
        dump(sys.stdout)
    else:
        write_output(output, dump)


def _write(report: Report, output: str, previous: Baseline | None) -> None:
    document = baseline_document(report.findings, previous)
    _write_document(document, output)
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
    """Create, update or import (from gitleaks, TruffleHog, detect-secrets) a baseline of accepted findings."""


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


def _read_places(sources: tuple[str, ...]) -> list[ImportedPlace]:
    places: list[ImportedPlace] = []
    for source in sources:
        try:
            with open(source, encoding="utf-8", errors="replace") as handle:
                places.extend(read_places(source, handle.read()))
        except OSError as exc:
            raise UsageFailure(f"{source}: cannot read: {exc.strerror or exc}") from exc
        except ImportFormatError as exc:
            raise UsageFailure(str(exc)) from exc
    return places


def _merged(document: dict[str, Any], previous: Baseline | None) -> dict[str, Any]:
    """An import adds to a leakscan baseline already at -o: its entries stay, the imported ones join them."""
    if previous is None or not previous.entries:
        return document
    known = {e["fingerprint"] for e in previous.entries}
    entries = list(previous.entries) + [e for e in document["findings"] if e["fingerprint"] not in known]
    entries.sort(key=lambda e: (e.get("path", ""), e.get("rule_id", ""), e.get("line") or 0, e["fingerprint"]))
    return {**document, "findings": entries}


@baseline_group.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--path", "path", default=".", show_default=True,
              help="The tree (or, with --history, the repository) the other scanner scanned.")
@click.option("--output", "-o", default=DEFAULT_OUTPUT, show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True), help="Baseline file to write or add to (- for stdout).")
@click.option("--history", is_flag=True, help="Match against the git history of --path (reports of git scans).")
@engine_options
def import_(sources: tuple[str, ...], path: str, output: str, history: bool, **engine_kw: object) -> None:
    """Accept what another scanner accepted: read SOURCES (a .gitleaksignore, a gitleaks or TruffleHog JSON report,
    a detect-secrets baseline), scan --path, and write the leakscan findings at those places to the baseline."""
    places = _read_places(sources)
    previous = _previous(output) if output != STDIN else None
    report = _scan(path, history, engine_kw)
    result = match_places(places, report.findings)
    document = _merged(baseline_document(result.findings), previous)
    _write_document(document, output)
    click.echo(f"{len(places)} imported place(s): {len(places) - len(result.unmatched)} matched "
               f"{len(result.findings)} finding(s), written to {output} ({len(document['findings'])} in all)", err=True)
    for place in result.unmatched:
        click.echo(f"  no leakscan finding at {printable(place.describe())}", err=True)


def register(cli: click.Group) -> None:
    cli.add_command(baseline_group)
