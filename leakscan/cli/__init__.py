"""Command line: build a Config, run the pipeline, write the report, return an exit code."""
from __future__ import annotations

import errno
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, TextIO

import click

from leakscan import __version__
from leakscan.suppression.baseline import BaselineError, load_baseline
from leakscan.config import Config, ConfigError, build_config
from leakscan.engine.context import Engine
from leakscan.cli.output import (InputError, OutputError, check_readable, color_wanted, is_stdio, read_stdin,
                                 write_output)
from leakscan.cli.progress import tree_progress
from leakscan.model import Chunk, Origin, Report
from leakscan.pipeline.tree import scan_chunks, scan_paths
from leakscan.reporters import REPORTERS, ReportOptions
from leakscan.reporters.text import printable
from leakscan.sources.decode import decode
from leakscan.rules.loader import RuleError, load_pack, load_rules

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
STDIN = "-"


class UsageFailure(click.ClickException):
    """A one-line error and exit 2. The message may name paths, refs or rules from the scanned
    repository, so its control characters are escaped before it reaches the terminal."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(printable(message))


_DEBUG = {"on": False}  # set by --debug (on the group or any command); read when an exception escapes


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        _DEBUG["on"] = True
    return value


debug_option = click.option("--debug", is_flag=True, expose_value=False, callback=_set_debug,
                            help="On an unexpected error, print the traceback too.")


def fail_on_error_option(func: Callable) -> Callable:
    return click.option("--fail-on-error", is_flag=True,
                        help="Exit 2 when anything was not scanned or not scanned in full (any `errors` entry).")(func)


def output_options(func: Callable) -> Callable:
    for option in reversed([
        click.option("--format", "fmt", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True),
        click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True),
                     help="Write the report to FILE (- for stdout, the default)."),
        click.option("--show-secrets", is_flag=True, help="Print secrets in full (never the default)."),
        click.option("--verbose", "-v", is_flag=True, help="Text report: show reasons and suggestions."),
        click.option("--no-color", is_flag=True, help="No colour (also when NO_COLOR is set, or not on a terminal)."),
        fail_on_error_option,
    ]):
        func = option(func)
    return func


def engine_options(func: Callable) -> Callable:
    for option in reversed([
        click.option("--min-confidence", type=click.FloatRange(0, 1), default=None, help="Report threshold (default 0.5)."),
        click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
                     help="Config file (default: .leakscan.yaml or [tool.leakscan] in pyproject.toml)."),
        click.option("--rules", "rule_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="Extra rule pack (repeatable)."),
        click.option("--disable", "disabled_rules", multiple=True, help="Rule id to disable (repeatable)."),
        click.option("--baseline", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="Report only findings not in this baseline (leakscan or detect-secrets format)."),
        click.option("--no-hyperscan", is_flag=True, help="Use the pure-Python keyword prefilter."),
        click.option("--scan-rule-packs", is_flag=True, default=None,
                     help="Also scan secret scanners' rule packs and baselines (left out by default)."),
        click.option("--no-progress", is_flag=True, help="No progress bar."),
        click.option("--jobs", "-j", type=click.IntRange(0), default=None, help="Worker processes (default: all cores)."),
        debug_option,
    ]):
        func = option(func)
    return func


def make_config(**kwargs: object) -> Config:
    no_hyperscan = kwargs.pop("no_hyperscan", False)
    no_progress = kwargs.pop("no_progress", False)
    config_file = kwargs.pop("config_file", None)
    kwargs["scan_rule_packs"] = kwargs.get("scan_rule_packs") or None  # not given: the config file decides
    try:
        config = build_config(
            Path(config_file) if config_file else None,
            use_hyperscan=False if no_hyperscan else None,
            progress=not no_progress and sys.stderr.isatty(),
            **kwargs,  # type: ignore[arg-type]
        )
        if config.baseline:
            load_baseline(config.baseline)  # a broken baseline is a usage error, not one per file
        return config
    except (ConfigError, BaselineError) as exc:
        raise UsageFailure(str(exc)) from exc


def make_engine(config: Config) -> Engine:
    try:
        return Engine.build(config)
    except RuleError as exc:
        raise UsageFailure(f"invalid rule: {exc}") from exc
    except ConfigError as exc:  # --disable naming no rule
        raise UsageFailure(str(exc)) from exc


def check_inputs(paths: Sequence[str]) -> None:
    """A path named on the command line that cannot be read ends the run (exit 2) before any scan."""
    if STDIN in paths and len(paths) > 1:
        raise UsageFailure("'-' (stdin) cannot be combined with other paths")
    for path in paths:
        if path != STDIN:
            try:
                check_readable(path)
            except InputError as exc:
                raise UsageFailure(str(exc)) from exc


def stdin_chunk(name: str) -> Chunk:
    return Chunk(decode(read_stdin())[0], Origin(kind="stdin", path=name))


def scan_inputs(paths: Sequence[str], engine: Engine, stdin_name: str = "-") -> Report:
    """Scan files and trees (checked by check_inputs), or stdin for `-`."""
    if list(paths) == [STDIN]:
        return scan_chunks([stdin_chunk(stdin_name)], engine)
    with tree_progress(engine.config.progress, "scanning files", "file", listing="listing files") as factory:
        return scan_paths(list(paths), engine, factory)


def exit_code(report: Report, fail_on_error: bool) -> int:
    """2 when the scan was incomplete and --fail-on-error asks for it; else 1 for findings, 0 clean."""
    if fail_on_error and report.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if report.findings else EXIT_CLEAN


def emit(report: Report, fmt: str, output: Optional[str], show_secrets: bool, verbose: bool, *,
         no_color: bool = False, fail_on_error: bool = False) -> int:
    """Write the report (stdout for none or `-`; a file whole or not at all) and return the exit code."""
    def write(stream: TextIO, color: bool) -> None:
        REPORTERS[fmt](report, stream, ReportOptions(show_secrets=show_secrets, color=color, verbose=verbose))

    if is_stdio(output):
        write(sys.stdout, color_wanted(sys.stdout, no_color))
    else:
        assert output is not None
        write_output(output, lambda handle: write(handle, False))
    if report.errors and not is_stdio(output):  # on stdout the report says it itself (text: a line; JSON: errors)
        click.echo(f"leakscan: scan incomplete: {len(report.errors)} error(s), see the report's errors"
                   + ("" if fail_on_error else " (--fail-on-error makes this exit 2)"), err=True)
    return exit_code(report, fail_on_error)


class LeakscanGroup(click.Group):
    """Any exception that escapes a command ends as one line on stderr and exit 2.

    The traceback only with --debug: an exception's text may quote scanned content."""

    def make_context(self, info_name: Optional[str], args: list[str], parent: Optional[click.Context] = None,
                     **extra: Any) -> click.Context:
        _DEBUG["on"] = bool(os.environ.get("LEAKSCAN_DEBUG"))  # before --debug is parsed; never left from a last run
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort,
                KeyboardInterrupt, SystemExit):
            raise
        except OutputError as exc:
            raise UsageFailure(str(exc)) from exc
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # click handles a closed stdout
            raise UsageFailure(self._failure(exc, f"{exc.strerror or type(exc).__name__}"
                                             + (f": {printable(exc.filename)}" if exc.filename else ""))) from exc
        except MemoryError as exc:
            raise UsageFailure(self._failure(exc, "out of memory; scan fewer or smaller files at once "
                                                  "(--max-file-size, --jobs)")) from exc
        except Exception as exc:
            raise UsageFailure(self._failure(exc, f"internal error ({type(exc).__name__}); run again with "
                                                  "--debug for the traceback")) from exc

    @staticmethod
    def _failure(exc: BaseException, message: str) -> str:
        if _DEBUG["on"]:
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
        return message


@click.group(cls=LeakscanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leakscan")
@debug_option
def cli() -> None:
    """Find secrets, tokens in URLs, unmasked PII and stack traces."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@engine_options
@output_options
@click.option("--exclude", multiple=True, help="Gitignore-style pattern to skip (repeatable).")
@click.option("--max-file-size", type=click.IntRange(1), default=None, help="Skip files larger than this many bytes.")
@click.option("--no-gitignore", is_flag=True, help="Scan files .gitignore excludes too.")
@click.option("--stdin-name", default="-", show_default=True, help="Path to report (and recognise) stdin as.")
@click.option("--spec", "capture_spec", type=click.Path(exists=True, dir_okay=False), help="OpenAPI document: report capture traffic it does not document.")
def scan(paths: tuple[str, ...], fmt: str, output: Optional[str], show_secrets: bool, verbose: bool,
         no_color: bool, fail_on_error: bool, exclude: tuple[str, ...], max_file_size: Optional[int],
         no_gitignore: bool, stdin_name: str, **engine_kw: object) -> None:
    """Scan files and directory trees (or - for stdin)."""
    check_inputs(paths)
    config = make_config(exclude=exclude, max_file_size=max_file_size,
                         respect_gitignore=False if no_gitignore else None, show_secrets=show_secrets or None,
                         **engine_kw)
    report = scan_inputs(paths, make_engine(config), stdin_name)
    sys.exit(emit(report, fmt, output, show_secrets, verbose, no_color=no_color, fail_on_error=fail_on_error))


@cli.group()
def rules() -> None:
    """List and check rule packs."""


@rules.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@debug_option
@click.option("--rules", "rule_files", multiple=True, type=click.Path(exists=True, dir_okay=False))
def rules_list(fmt: str, rule_files: tuple[str, ...]) -> None:
    """Print id, name, category and confidence of every rule."""
    try:
        loaded = load_rules(rule_files)
    except RuleError as exc:
        raise UsageFailure(str(exc)) from exc
    if fmt == "json":
        import json

        click.echo(json.dumps([{"id": r.id, "name": r.name, "category": r.category, "severity": r.severity,
                                "confidence": r.confidence, "file": r.source_file} for r in loaded], indent=2))
        return
    for r in loaded:
        click.echo(f"{r.id:<44} {r.category:<10} {r.confidence:.2f}  {r.name}")
    click.echo(f"{len(loaded)} rules")


@rules.command("check")
@click.argument("packs", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--no-hyperscan", is_flag=True)
@debug_option
def rules_check(packs: tuple[str, ...], no_hyperscan: bool) -> None:
    """Check that every example is reported and no negative example is.

    With PACKS, checks only those files (loaded beside the built-in rules)."""
    from leakscan.pipeline.rules_check import check_rules, engine_summary, screen_rules

    check_inputs(packs)
    try:
        extra = [p for p in packs if Path(p).resolve() not in _builtin_resolved()]
        all_rules = load_rules(extra)
        selected = [r for p in packs for r in load_pack(p)] if packs else list(all_rules)
    except RuleError as exc:
        raise UsageFailure(str(exc)) from exc
    engine = Engine.build(Config(use_hyperscan=False if no_hyperscan else None), all_rules)
    wanted = {r.id for r in selected}
    checked = [engine.rule(i) for i in sorted(wanted)]
    problems = check_rules(checked, engine) + screen_rules(checked, engine)
    for line in engine_summary(checked, engine):
        click.echo(line)
    for problem in problems:
        click.echo(str(problem))
    click.echo(f"{len(wanted)} rules checked, {len(problems)} problem(s)")
    sys.exit(EXIT_FINDINGS if problems else EXIT_CLEAN)


def _builtin_resolved() -> set[Path]:
    from leakscan.rules.loader import builtin_pack_files

    return {p.resolve() for p in builtin_pack_files()}


def main() -> None:
    from leakscan.cli.signals import stopped_by_signals

    with stopped_by_signals():  # Ctrl-C, SIGTERM: the scan's partial report, then exit 130 or 143
        try:
            cli(standalone_mode=True)
        except KeyboardInterrupt:  # pragma: no cover
            sys.exit(130)


# Commands contributed by other modules (git, spec, mask, baseline) register here.
# Each module has `register(cli)`; one entry per line.
COMMAND_MODULES: tuple[str, ...] = (
    "leakscan.cli.spec",
    "leakscan.cli.git",
    "leakscan.cli.baseline",
    "leakscan.cli.mask",
)


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(cli)


_register_commands()
