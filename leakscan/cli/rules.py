"""`leakscan rules list|check`: the loaded rules, and every rule against its own examples."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from leakscan.cli.options import EXIT_CLEAN, EXIT_FINDINGS, UsageFailure, check_inputs, debug_option
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.rules.loader import RuleError, check_verifiers, load_pack, load_rules


@click.group("rules")
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
        check_verifiers(all_rules)  # patterns/_verifiers.yaml and the packs' `verify:` blocks
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


def register(cli: click.Group) -> None:
    cli.add_command(rules)
