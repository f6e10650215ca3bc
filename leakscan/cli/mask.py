"""`leakscan mask FILE -o OUT [--mode mask|redact|hash]`: write a sanitized copy and prove it clean."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Optional

import click

from leakscan.analyzers.registry import document_scanner_for
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Finding, Origin, ScanError
from leakscan.pipeline.tree import scan_chunk, sort_findings
from leakscan.masking.rewrite import MODES, Plan, plan_for, rewrite_json_lines, rewrite_json_text, rewrite_text
from leakscan.sources.decode import decode, is_binary

STRUCTURED = {"har": rewrite_json_text, "json": rewrite_json_text, "jsonl": rewrite_json_lines}


@dataclass(frozen=True)
class MaskResult:
    text: str
    plan: Plan
    findings: tuple[Finding, ...]
    errors: tuple[ScanError, ...]
    remaining: tuple[Finding, ...]  # what a scan of the copy still reports
    kind: str


def scan_text(text: str, path: str, engine: Engine, fs_path: Optional[str] = None) -> tuple[list[Finding], list[ScanError], str]:
    scanner = document_scanner_for(path, text)
    findings, errors = scan_chunk(Chunk(text, Origin(kind="file", path=path, fs_path=fs_path)), engine)
    return sort_findings(findings), errors, scanner.name if scanner else "text"


def mask_text(text: str, path: str, engine: Engine, mode: str = "mask", key: Optional[bytes] = None) -> MaskResult:
    findings, errors, kind = scan_text(text, path, engine)
    plan = plan_for(findings, mode, key)
    rewrite = STRUCTURED.get(kind, rewrite_text)
    try:
        masked = rewrite(text, plan)
    except ValueError:  # a HAR or JSON that did not parse (truncated): rewrite it as text
        kind, masked = "text", rewrite_text(text, plan)
    remaining, _, _ = scan_text(masked, path, engine)
    return MaskResult(masked, plan, tuple(findings), tuple(errors), tuple(remaining), kind)


def register(cli: click.Group) -> None:
    from leakscan.cli import EXIT_CLEAN, EXIT_FINDINGS, UsageFailure, engine_options, make_config, make_engine

    @cli.command("mask")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, writable=True),
                  help="Where to write the sanitized copy.")
    @click.option("--mode", type=click.Choice(MODES), default="mask", show_default=True,
                  help="mask: industry masks (***-**-6789); redact: [REDACTED]; hash: [REDACTED:sha256:…], keyed per run.")
    @engine_options
    def mask(file: str, output: str, mode: str, **engine_kw: object) -> None:
        """Write a sanitized copy of a HAR, JSON, JSON-lines, HTTP dump or text FILE."""
        config = make_config(**engine_kw)
        engine = make_engine(config)
        if os.path.abspath(file) == os.path.abspath(output):
            raise UsageFailure("--output must not be the input file")
        with open(file, "rb") as handle:
            data = handle.read()
        if is_binary(data):
            raise UsageFailure(f"{file} is binary; leakscan mask rewrites text captures only")
        result = mask_text(decode(data)[0], file, engine, mode)
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(result.text)
        _summary(result, file, output, config.min_confidence)
        sys.exit(EXIT_FINDINGS if result.remaining else EXIT_CLEAN)


def _summary(result: MaskResult, file: str, output: str, threshold: float) -> None:
    err = sys.stderr
    plan = result.plan
    values = sum(plan.by_category.values())
    click.echo(f"{file} ({result.kind}): masked {values} value(s) in {plan.places} place(s) → {output}", file=err)
    for category in sorted(plan.by_category):
        click.echo(f"  {category:<11} {plan.by_category[category]}", file=err)
    for error in result.errors:
        click.echo(f"  warning: {error.message}", file=err)
    if result.remaining:
        click.echo(f"re-scan of {output}: {len(result.remaining)} finding(s) remain at confidence ≥ {threshold:.2f}:", file=err)
        for finding in result.remaining[:20]:
            click.echo(f"  {finding.location.line}:{finding.location.column} {finding.rule_id} {finding.masked}", file=err)
    else:
        click.echo(f"re-scan of {output}: clean (no finding at confidence ≥ {threshold:.2f})", file=err)
