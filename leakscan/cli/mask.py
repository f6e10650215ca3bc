"""`leakscan mask FILE -o OUT [--mode mask|redact|hash]`: write a sanitized copy and prove it clean."""
from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

import click

from leakscan.analyzers.registry import document_scanner_for
from leakscan.cli.output import is_stdio, read_stdin, write_output
from leakscan.engine.context import Engine
from leakscan.masking.rewrite import (
    BELOW_THRESHOLD_FLOOR,
    MODES,
    Plan,
    merge,
    plan_for,
    rewrite_json_lines,
    rewrite_json_text,
    rewrite_text,
    secret_named_below,
)
from leakscan.model import Chunk, Finding, Origin, ScanError
from leakscan.pipeline.captures.mask import MAX_PASSES, MaskedFile, mask_large_file, names_a_problem
from leakscan.pipeline.findings import scan_chunk, sort_findings
from leakscan.reporters.text import printable
from leakscan.sources.decode import decode, is_binary
from leakscan.sources.jsonstream import file_blocks

STRUCTURED = {"har": rewrite_json_text, "json": rewrite_json_text, "jsonl": rewrite_json_lines}


@dataclass(frozen=True)
class MaskResult:
    text: str
    plan: Plan
    findings: tuple[Finding, ...]
    errors: tuple[ScanError, ...]
    remaining: tuple[Finding, ...]  # what a scan of the copy still reports
    kind: str


def scan_text(text: str, path: str, engine: Engine,
              fs_path: str | None = None) -> tuple[list[Finding], list[ScanError], str]:
    scanner = document_scanner_for(path, text)
    findings, errors = scan_chunk(Chunk(text, Origin(kind="file", path=path, fs_path=fs_path)), engine)
    kept = sort_findings(f for f in findings if not names_a_problem(f, engine))
    return kept, errors, scanner.name if scanner else "text"


def mask_text(text: str, path: str, engine: Engine, mode: str = "mask", key: bytes | None = None) -> MaskResult:
    """Mask every finding, and every secret-named value below the threshold; re-scan, and mask
    what the re-scan still finds, until it is clean (MAX_PASSES)."""
    key = key if key is not None else os.urandom(16)
    threshold = engine.config.min_confidence
    low = replace(engine, config=replace(engine.config, min_confidence=min(threshold, BELOW_THRESHOLD_FLOOR)))
    everything, errors, kind = scan_text(text, path, low)
    findings = [f for f in everything if f.confidence >= threshold]
    plan = plan_for(findings + secret_named_below(everything, threshold), mode, key)
    masked, kind, why = _rewrite(text, plan, kind)
    if why:
        errors.append(ScanError(path, why))
    remaining, _, _ = scan_text(masked, path, engine)
    for _ in range(MAX_PASSES - 1):
        if not remaining:
            break
        more = plan_for(remaining, mode, key)
        masked, kind, _ = _rewrite(masked, more, kind)
        merge(plan, more)
        remaining, _, _ = scan_text(masked, path, engine)
    return MaskResult(masked, plan, tuple(findings), tuple(errors), tuple(remaining), kind)


def _rewrite(text: str, plan: Plan, kind: str) -> tuple[str, str, str | None]:
    """The rewritten text, the kind it was rewritten as, and why a structured text was rewritten as text
    when the scan has not said so."""
    try:
        return STRUCTURED.get(kind, rewrite_text)(text, plan), kind, None
    except ValueError:  # a HAR or JSON that did not parse (truncated; the scan's errors say so): as text
        return rewrite_text(text, plan), "text", None
    except RecursionError:  # nested deeper than the rewriter can follow (the scan read it): as text
        return rewrite_text(text, plan), "text", f"{kind} nested too deep to rewrite by its structure: " \
                                                 "rewritten as text, its values in every form"


def register(cli: click.Group) -> None:
    from leakscan.cli.options import (
        EXIT_CLEAN,
        EXIT_ERROR,
        EXIT_FINDINGS,
        STDIN,
        UsageFailure,
        check_inputs,
        engine_options,
        fail_on_error_option,
        make_config,
        make_engine,
    )

    @cli.command("mask")
    @click.argument("file")
    @click.option("--output", "-o", default=STDIN, type=click.Path(dir_okay=False, allow_dash=True),
                  help="Where to write the sanitized copy "
                       "(default: - for stdout; a file is written whole or not at all).")
    @click.option("--stdin-name", default="-", show_default=True,
                  help="Name to recognise (and report) stdin as, e.g. session.har.")
    @fail_on_error_option
    @click.option("--mode", type=click.Choice(MODES), default="mask", show_default=True,
                  help="mask: industry masks (***-**-6789); redact: [REDACTED]; "
                       "hash: [REDACTED:sha256:…], keyed per run.")
    @engine_options
    def mask(file: str, output: str, mode: str, stdin_name: str, fail_on_error: bool, **engine_kw: object) -> None:
        """Write a sanitized copy of a HAR, JSON, JSON-lines, HTTP dump or text FILE (- for stdin)."""
        check_inputs([file])
        if file != STDIN and not os.path.isfile(file):
            raise UsageFailure(f"{printable(file)} is not a regular file; leakscan mask rewrites one file")
        if file != STDIN and output != STDIN and os.path.realpath(file) == os.path.realpath(output):
            raise UsageFailure("--output must not be the input file")
        config = make_config(**engine_kw)
        engine = make_engine(config)
        name = stdin_name if file == STDIN else file
        with tempfile.TemporaryDirectory(prefix="leakscan-mask-") as folder:
            large = None if file == STDIN else _mask_large(file, engine, folder, mode)
            if large is not None:
                _write(output, lambda handle: _copy_blocks(large.copy, handle))
                summary = Summary(large.plan, large.kind, large.errors, large.remaining)
            else:
                data = read_stdin() if file == STDIN else Path(file).read_bytes()
                if is_binary(data):
                    raise UsageFailure(f"{printable(name)} is binary; leakscan mask rewrites text captures only")
                text = decode(data)[0]
                del data  # (the text and its copy are what masking it whole holds)
                result = mask_text(text, name, engine, mode)
                _write(output, lambda handle: handle.write(result.text))
                summary = Summary(result.plan, result.kind, result.errors, result.remaining)
        _summary(summary, name, "stdout" if is_stdio(output) else output, config.min_confidence)
        if fail_on_error and summary.errors:
            sys.exit(EXIT_ERROR)
        sys.exit(EXIT_FINDINGS if summary.remaining else EXIT_CLEAN)


def _mask_large(file: str, engine: Engine, folder: str, mode: str) -> MaskedFile | None:
    """A large HAR or JSON-lines file masked one entry at a time (pipeline/captures/mask.py); None to mask it whole."""
    try:
        return mask_large_file(file, file, engine, folder, mode, os.urandom(16))
    # (a copy that did not read back, or an entry nested too deep to rewrite: the text is masked whole instead)
    except (OSError, ValueError, RecursionError):
        return None


def _write(output: str, write: Callable[[TextIO], object]) -> None:
    if is_stdio(output):
        write(sys.stdout)
        sys.stdout.flush()
    else:
        write_output(output, write, newline="")  # a file is written whole or not at all


def _copy_blocks(path: str, handle: TextIO) -> None:
    for block in file_blocks(path):
        handle.write(block)


@dataclass(frozen=True)
class Summary:
    plan: Plan
    kind: str
    errors: tuple[ScanError, ...]
    remaining: tuple[Finding, ...]


def _summary(result: Summary, file: str, output: str, threshold: float) -> None:
    err = sys.stderr
    plan = result.plan
    values = sum(plan.by_category.values())
    click.echo(f"{printable(file)} ({result.kind}): masked {values} value(s) in {plan.places} place(s) "
               f"→ {printable(output)}", file=err)
    for category in sorted(plan.by_category):
        click.echo(f"  {category:<11} {plan.by_category[category]}", file=err)
    for error in result.errors:
        click.echo(f"  warning: {printable(error.message)}", file=err)
    if result.remaining:
        click.echo(f"re-scan of {printable(output)}: {len(result.remaining)} finding(s) remain "
                   f"at confidence ≥ {threshold:.2f}:", file=err)
        for finding in result.remaining[:20]:
            click.echo(f"  {finding.location.line}:{finding.location.column} {finding.rule_id} "
                       f"{printable(finding.masked)}", file=err)
    else:
        click.echo(f"re-scan of {printable(output)}: clean (no finding at confidence ≥ {threshold:.2f})", file=err)
