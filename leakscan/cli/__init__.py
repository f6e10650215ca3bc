"""Command line: build a Config, run the pipeline, write the report, return an exit code."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Optional, TextIO

import click

from leakscan import __version__
from leakscan.suppression.baseline import BaselineError, load_baseline
from leakscan.config import Config, ConfigError, build_config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin, Report
from leakscan.pipeline.tree import scan_chunks, scan_paths
from leakscan.reporters import REPORTERS, ReportOptions
from leakscan.rules.loader import RuleError, load_pack, load_rules

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageFailure(click.ClickException):
    exit_code = EXIT_ERROR


def output_options(func: Callable) -> Callable:
    for option in reversed([
        click.option("--format", "fmt", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True),
        click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE."),
        click.option("--show-secrets", is_flag=True, help="Print secrets in full (never the default)."),
        click.option("--verbose", "-v", is_flag=True, help="Text report: show reasons and suggestions."),
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
        click.option("--no-progress", is_flag=True, help="No progress bar."),
        click.option("--jobs", "-j", type=click.IntRange(0), default=None, help="Worker processes (default: all cores)."),
    ]):
        func = option(func)
    return func


def make_config(**kwargs: object) -> Config:
    no_hyperscan = kwargs.pop("no_hyperscan", False)
    no_progress = kwargs.pop("no_progress", False)
    config_file = kwargs.pop("config_file", None)
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


def tqdm_progress(enabled: bool, unit: str) -> Optional[Callable[[int], Callable[[int], None]]]:
    if not enabled:
        return None

    def factory(total: int) -> Callable[[int], None]:
        from tqdm import tqdm

        bar = tqdm(total=total, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)
        return bar.update

    return factory


def emit(report: Report, fmt: str, output: Optional[str], show_secrets: bool, verbose: bool) -> int:
    def write(stream: TextIO, color: bool) -> None:
        REPORTERS[fmt](report, stream, ReportOptions(show_secrets=show_secrets, color=color, verbose=verbose))

    if output:
        with open(output, "w", encoding="utf-8") as handle:
            write(handle, False)
    else:
        write(sys.stdout, sys.stdout.isatty())
    return EXIT_FINDINGS if report.findings else EXIT_CLEAN


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leakscan")
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
         exclude: tuple[str, ...], max_file_size: Optional[int], no_gitignore: bool, stdin_name: str,
         **engine_kw: object) -> None:
    """Scan files and directory trees (or - for stdin)."""
    config = make_config(exclude=exclude, max_file_size=max_file_size,
                         respect_gitignore=False if no_gitignore else None, show_secrets=show_secrets or None,
                         **engine_kw)
    engine = make_engine(config)
    if paths == ("-",):
        text = sys.stdin.buffer.read().decode("utf-8", "replace")
        report = scan_chunks([Chunk(text, Origin(kind="stdin", path=stdin_name))], engine)
    else:
        if "-" in paths:
            raise UsageFailure("'-' (stdin) cannot be combined with other paths")
        report = scan_paths(list(paths), engine, tqdm_progress(config.progress, "file"))
    sys.exit(emit(report, fmt, output, show_secrets, verbose))


@cli.group()
def rules() -> None:
    """List and check rule packs."""


@rules.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
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
@click.argument("packs", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--no-hyperscan", is_flag=True)
def rules_check(packs: tuple[str, ...], no_hyperscan: bool) -> None:
    """Check that every example is reported and no negative example is.

    With PACKS, checks only those files (loaded beside the built-in rules)."""
    from leakscan.pipeline.rules_check import check_rules

    try:
        extra = [p for p in packs if Path(p).resolve() not in _builtin_resolved()]
        all_rules = load_rules(extra)
        selected = [r for p in packs for r in load_pack(p)] if packs else list(all_rules)
    except RuleError as exc:
        raise UsageFailure(str(exc)) from exc
    engine = Engine.build(Config(use_hyperscan=False if no_hyperscan else None), all_rules)
    wanted = {r.id for r in selected}
    problems = check_rules([engine.rule(i) for i in sorted(wanted)], engine)
    for problem in problems:
        click.echo(str(problem))
    click.echo(f"{len(wanted)} rules checked, {len(problems)} problem(s)")
    sys.exit(EXIT_FINDINGS if problems else EXIT_CLEAN)


def _builtin_resolved() -> set[Path]:
    from leakscan.rules.loader import builtin_pack_files

    return {p.resolve() for p in builtin_pack_files()}


def main() -> None:
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
