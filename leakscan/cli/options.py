"""What every command shares: options, Config and Engine building, inputs, the report and the exit code."""
from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from leakscan.cli.output import (
    InputError,
    check_readable,
    color_wanted,
    is_stdio,
    read_stdin,
    write_output,
)
from leakscan.model import Chunk, Origin, Report
from leakscan.reporters import REPORTERS, ReportOptions
from leakscan.reporters.text import printable

# The config, the engine and the pipeline are imported by the functions that build or run them:
# importing this module (every command's options) stays cheap, and each command loads only its path.
if TYPE_CHECKING:
    from leakscan.config import Config
    from leakscan.engine.context import Engine
    from leakscan.store.findings_cache import FindingsCache

# A command function as click's decorators take and return it.
Command = TypeVar("Command", bound=Callable[..., Any])

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
STDIN = "-"


class UsageFailure(click.ClickException):
    """A one-line error and exit 2. The message may name paths, refs or rules from the scanned
    repository, so its control characters are escaped before it reaches the terminal."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(printable(message))


_RULES_HASH = {"value": ""}  # set by make_engine: the report names the rules that made it
_LAST_IN_PROCESS = {"on": False}  # set by main(): the command is the process's last work (not a test's CliRunner)
_DEBUG = {"on": False}  # set by --debug (on the group or any command); read when an exception escapes


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        _DEBUG["on"] = True
    return value


debug_option = click.option("--debug", is_flag=True, expose_value=False, callback=_set_debug,
                            help="On an unexpected error, print the traceback too.")


def fail_on_error_option(func: Command) -> Command:
    return click.option("--fail-on-error", is_flag=True,
                        help="Exit 2 when anything was not scanned or not scanned in full (any `errors` entry).")(func)


VERIFY_META = "leakscan.verify"  # ctx.meta key: the --verify options of the running command


def _remember_verify(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta.setdefault(VERIFY_META, {})[param.name] = value
    return value


def verify_options(func: Command) -> Command:
    """--verify and its companions; read by `emit`, so every scan command gets them with its output options."""
    def option(*names: str, **kw: Any) -> Callable[[Command], Command]:
        return click.option(*names, expose_value=False, callback=_remember_verify, **kw)

    options: list[Callable[[Command], Command]] = [
        option("--verify", is_flag=True,
               help="Ask each credential's provider (read-only endpoint, documented host) whether it is live."),
        option("--verify-dry-run", is_flag=True, help="Print the requests --verify would make (masked); send none."),
        option("--verify-endpoint", multiple=True, metavar="NAME=URL",
               help="Send provider NAME's checks to URL instead (GitHub Enterprise, tests); repeatable."),
        option("--only-verified", is_flag=True, help="Report only findings verified live (implies --verify)."),
        option("--fail-on", type=click.Choice(["findings", "live"]), default="findings", show_default=True,
               help="Exit 1 for any finding, or only for a credential verified live (implies --verify)."),
    ]
    for item in reversed(options):
        func = item(func)
    return func


def output_options(func: Command) -> Command:
    options: list[Callable[[Command], Command]] = [
        verify_options,
        click.option("--format", "fmt", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True),
        click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True),
                     help="Write the report to FILE (- for stdout, the default)."),
        click.option("--show-secrets", is_flag=True, help="Print secrets in full (never the default)."),
        click.option("--verbose", "-v", is_flag=True, help="Text report: show reasons and suggestions."),
        click.option("--no-color", is_flag=True,
                     help="No colour (also when NO_COLOR is set, or not on a terminal)."),
        fail_on_error_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def engine_options(func: Command) -> Command:
    options: list[Callable[[Command], Command]] = [
        click.option("--min-confidence", type=click.FloatRange(0, 1), default=None,
                     help="Report threshold (default 0.5)."),
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
        click.option("--jobs", "-j", type=click.IntRange(0), default=None,
                     help="Worker processes (default: all cores)."),
        debug_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def make_config(**kwargs: Any) -> Config:  # click's parsed option values
    from leakscan.config import ConfigError, build_config

    no_hyperscan = kwargs.pop("no_hyperscan", False)
    no_progress = kwargs.pop("no_progress", False)
    config_file = kwargs.pop("config_file", None)
    kwargs["scan_rule_packs"] = kwargs.get("scan_rule_packs") or None  # not given: the config file decides
    try:
        config = build_config(
            Path(config_file) if config_file else None,
            use_hyperscan=False if no_hyperscan else None,
            progress=not no_progress and sys.stderr.isatty(),
            **kwargs,
        )
    except ConfigError as exc:
        raise UsageFailure(str(exc)) from exc
    if config.baseline:  # only then the baseline reader (and detect-secrets' types) is loaded
        from leakscan.suppression.baseline import BaselineError, load_baseline

        try:
            load_baseline(config.baseline)  # a broken baseline is a usage error, not one per file
        except BaselineError as exc:
            raise UsageFailure(str(exc)) from exc
    return config


def make_engine(config: Config) -> Engine:
    from leakscan.config import ConfigError
    from leakscan.engine.context import Engine
    from leakscan.rules.loader import RuleError

    try:
        engine = Engine.build(config)
    except RuleError as exc:
        raise UsageFailure(f"invalid rule: {exc}") from exc
    except ConfigError as exc:  # --disable naming no rule
        raise UsageFailure(str(exc)) from exc
    from leakscan.rules.loader import rules_digest

    _RULES_HASH["value"] = rules_digest(engine.rules)
    if _LAST_IN_PROCESS["on"]:
        # What exists now (modules, rules, the engine) lives until the process exits: the collector need
        # not walk it again, in the scan's collections or in those at exit (20 ms of a hook; issue 20.3).
        # Garbage made from here on is collected and finalized as before.
        gc.freeze()
    return engine


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
    from leakscan.sources.decode import decode

    return Chunk(decode(read_stdin())[0], Origin(kind="stdin", path=name))


def incremental_options(func: Command) -> Command:
    """--incremental and --state for `scan` and `git` (on by default for `repos`)."""
    func = click.option("--state", "state_file", type=click.Path(dir_okay=False), default=None,
                        help="SQLite file of stored findings (default: in the cache directory).")(func)
    return click.option("--incremental", is_flag=True,
                        help="Reuse the findings of content scanned before with the same rules and settings; "
                             "store the rest.")(func)


def findings_cache(engine: Engine, incremental: bool, state_file: str | None) -> FindingsCache | None:
    """The store's findings for this engine's rules and settings, when --incremental asks for them.
    Not with --show-secrets: stored findings never hold a value in full."""
    if not incremental or engine.config.show_secrets:
        return None
    from leakscan.cache import cache_dir
    from leakscan.scale.identity import scan_identity
    from leakscan.store.db import default_state_path
    from leakscan.store.findings_cache import SqliteFindingsCache

    return SqliteFindingsCache(state_file or default_state_path(cache_dir()), scan_identity(engine))


def scan_inputs(paths: Sequence[str], engine: Engine, stdin_name: str = "-",
                cache: FindingsCache | None = None) -> Report:
    """Scan files and trees (checked by check_inputs), or stdin for `-`; with `cache`, incrementally."""
    from leakscan.cli.progress import tree_progress
    from leakscan.pipeline.tree import scan_chunks, scan_paths

    if list(paths) == [STDIN]:
        return scan_chunks([stdin_chunk(stdin_name)], engine)
    with tree_progress(engine.config.progress, "scanning files", "file", listing="listing files") as factory:
        return scan_paths(list(paths), engine, factory, cache)


def exit_code(report: Report, fail_on_error: bool, fail_on: str = "findings") -> int:
    """2 when the scan was incomplete and --fail-on-error asks for it; else 1 for findings (with --fail-on live:
    for a credential verified live), 0 clean."""
    if fail_on_error and report.errors:
        return EXIT_ERROR
    if fail_on == "live":
        live = any(f.verification is not None and f.verification.status == "valid" for f in report.findings)
        return EXIT_FINDINGS if live else EXIT_CLEAN
    return EXIT_FINDINGS if report.findings else EXIT_CLEAN


def verified(report: Report) -> tuple[Report, str]:
    """The report after the running command's --verify options (unchanged without them), and its --fail-on."""
    wanted = click.get_current_context(silent=True)
    asked = dict(wanted.meta.get(VERIFY_META, {})) if wanted is not None else {}
    if asked.get("done"):  # `leakscan verify` has verified the report itself
        pass
    elif not (asked.get("verify") or asked.get("verify_dry_run") or asked.get("only_verified")
              or asked.get("fail_on") == "live"):  # without an answer, "fail on live" would always pass
        return report, str(asked.get("fail_on") or "findings")
    else:
        assert wanted is not None
        roots = tuple(str(v) for key in ("paths", "repo") for v in _as_tuple(wanted.params.get(key)) if v != STDIN)
        report = run_verification(report, asked, roots, rule_files=_as_tuple(wanted.params.get("rule_files")))
    if asked.get("only_verified"):
        live = tuple(f for f in report.findings if f.verification is not None and f.verification.status == "valid")
        report = replace(report, findings=live)
    return report, str(asked.get("fail_on") or "findings")


def run_verification(report: Report, asked: dict[str, Any], roots: tuple[str, ...], **kw: Any) -> Report:
    """REPORT verified as the --verify options in ASKED say; dry-run lines go to stderr."""
    from leakscan.rules.loader import RuleError
    from leakscan.rules.verifiers import VerifierError
    from leakscan.verify.runner import VerifySettings, verify_report

    try:
        settings = VerifySettings.from_options(asked.get("verify_endpoint") or (), bool(asked.get("verify_dry_run")))
        return verify_report(report, settings, roots, note=lambda line: click.echo(printable(line), err=True), **kw)
    except (ValueError, VerifierError, RuleError) as exc:
        raise UsageFailure(str(exc)) from exc


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def emit(report: Report, fmt: str, output: str | None, show_secrets: bool, verbose: bool, *,
         no_color: bool = False, fail_on_error: bool = False) -> int:
    """Write the report (stdout for none or `-`; a file whole or not at all) and return the exit code."""
    report, fail_on = verified(report)
    if not report.rules_hash and _RULES_HASH["value"]:
        report = replace(report, rules_hash=_RULES_HASH["value"])

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
    return exit_code(report, fail_on_error, fail_on)
