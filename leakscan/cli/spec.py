"""`leakscan spec FILE...`: scan OpenAPI / Swagger documents as specs, whatever they look like.

`leakscan scan` recognises specs by content already; this command forces the
spec scanner on every file given (and on the .json/.yaml/.yml files of a
directory), and reports a file that is not a spec as an error. `leakscan
inventory CAPTURE... [--spec FILE]` lists the endpoints captures show, with
their documentation status in a spec.
"""
from __future__ import annotations

import csv
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TextIO

import click

from leakscan.analyzers.spec.scanner import scan_spec
from leakscan.cli.options import (
    EXIT_CLEAN,
    EXIT_ERROR,
    STDIN,
    check_inputs,
    emit,
    engine_options,
    make_config,
    make_engine,
    output_options,
    stdin_chunk,
)
from leakscan.cli.progress import tree_progress
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.masking.sanitize import exception_text
from leakscan.model import Endpoint, Finding, Report, ScanError, ScanStats
from leakscan.pipeline.findings import document_findings, findings_from, sort_findings
from leakscan.sources.files import FileRef, iter_files, read_file
from leakscan.sources.openapi import STRUCTURED_SUFFIXES


def spec_refs(paths: tuple[str, ...], engine: Engine) -> tuple[list[FileRef], list[ScanError]]:
    """Files named on the command line, and the JSON/YAML files under directories named."""
    refs, errors = iter_files(list(paths), engine.config)
    named = {os.path.normpath(p) for p in paths if os.path.isfile(p)}
    kept = [r for r in refs if os.path.normpath(r.path) in named or r.path.lower().endswith(STRUCTURED_SUFFIXES)]
    return kept, errors


def scan_specs(refs: list[FileRef], engine: Engine,
               progress: Callable[[int, int], None] | None = None) -> tuple[list[Finding], list[ScanError], int, int]:
    """Every file forced through the spec scanner, on all cores for many files."""
    global _ENGINE
    # Specs sharing a referenced file report its findings once: (rule, path, pointer, line, column, secret hash).
    findings: dict[tuple[str, str, str | None, int | None, int | None, str], Finding] = {}
    errors: list[ScanError] = []
    files = size = 0

    def collect(result: _Result) -> None:
        nonlocal files, size
        for f in result[0]:
            loc = f.location
            findings.setdefault((f.rule_id, loc.path, loc.pointer, loc.line, loc.column, f.secret_hash), f)
        errors.extend(result[1])
        files += result[2]
        size += result[3]
        if progress:
            progress(1, len(result[0]))

    jobs = engine.config.jobs or os.cpu_count() or 1
    _ENGINE = engine
    try:
        if jobs <= 1 or len(refs) < 8:
            for ref in refs:
                collect(_scan_one(ref))
        else:
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            with multiprocessing.get_context(method).Pool(jobs, _init_worker, (engine.config,)) as pool:
                for result in pool.imap(_scan_one, refs, chunksize=4):
                    collect(result)
    finally:
        _ENGINE = None
    return list(findings.values()), errors, files, size


_Result = tuple[list[Finding], list[ScanError], int, int]
_ENGINE: Engine | None = None


def _init_worker(config: Config) -> None:
    global _ENGINE
    if _ENGINE is None:  # with fork the parent's engine is inherited
        _ENGINE = Engine.build(config)


def _scan_one(ref: FileRef) -> _Result:
    engine = _ENGINE
    assert engine is not None
    loaded = read_file(ref, engine.config.max_file_size)
    if isinstance(loaded, ScanError) or loaded is None:
        return [], [loaded or ScanError(ref.display, "binary file, not a spec")], 0, 0
    try:
        result = scan_spec(loaded.chunk, engine, forced=True)
        return (*document_findings(result.candidates, result.errors, engine), 1, loaded.size)
    except Exception as exc:  # one bad file never stops a scan
        return [], [ScanError(ref.display, f"scan failed: {exception_text(exc, engine)}")], 1, loaded.size


def register(cli: click.Group) -> None:
    @cli.command("spec")
    @click.argument("paths", nargs=-1, required=True)
    @engine_options
    @output_options
    @click.option("--stdin-name", default="-", show_default=True, help="Path to report stdin (-) as.")
    def spec(paths: tuple[str, ...], fmt: str, output: str | None, show_secrets: bool, verbose: bool,
             no_color: bool, fail_on_error: bool, stdin_name: str, **engine_kw: object) -> None:
        """Scan OpenAPI 3.x / Swagger 2.0 documents (YAML or JSON) as API specs (- for stdin)."""
        check_inputs(paths)
        config = make_config(show_secrets=show_secrets or None, **engine_kw)
        engine = make_engine(config)
        report = stdin_spec(stdin_name, engine) if paths == (STDIN,) else spec_report(paths, engine)
        sys.exit(emit(report, fmt, output, show_secrets, verbose, no_color=no_color, fail_on_error=fail_on_error))

    register_inventory(cli)


def spec_report(paths: tuple[str, ...], engine: Engine) -> Report:
    started = time.perf_counter()
    refs, walk_errors = spec_refs(paths, engine)
    with tree_progress(engine.config.progress, "scanning specs", "spec") as factory:
        findings, errors, files, size = scan_specs(refs, engine, factory(len(refs)) if factory else None)
    errors = sorted(walk_errors + errors, key=lambda e: (e.path, e.message))
    return Report(tuple(sort_findings(findings)), tuple(errors),
                  ScanStats(files, size, round(time.perf_counter() - started, 3), len(errors)))


def stdin_spec(name: str, engine: Engine) -> Report:
    """One spec read from stdin; relative $refs cannot be resolved (there is no directory)."""
    started = time.perf_counter()
    chunk = stdin_chunk(name)
    result = scan_spec(chunk, engine, forced=True)
    errors = tuple(result.errors)
    return Report(tuple(sort_findings(findings_from(result.candidates, engine.config, engine))), errors,
                  ScanStats(1, len(chunk.text.encode()), round(time.perf_counter() - started, 3), len(errors)))


# ---- leakscan inventory -------------------------------------------------------------------

INVENTORY_FORMATS = ("text", "json", "csv", "html")
ENDPOINT_COLUMNS = ("method", "host", "path_template", "auth", "statuses", "data_classes", "documented",
                    "undeclared_fields", "calls")


def register_inventory(cli: click.Group) -> None:
    @cli.command("inventory")
    @click.argument("captures", nargs=-1, required=True)
    @click.option("--spec", "capture_spec", type=click.Path(exists=True, dir_okay=False),
                  help="OpenAPI document: mark undocumented endpoints and undeclared response fields.")
    @click.option("--first-party", "first_party", metavar="DOMAIN", default=None,
                  help="The site's own domain (default: decided from each capture's pages and first requests).")
    @click.option("--format", "fmt", type=click.Choice(INVENTORY_FORMATS), default="text", show_default=True)
    @click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True),
                  help="Write the inventory to FILE (- for stdout, the default).")
    @click.option("--no-color", is_flag=True, help="No colour (html: ignored).")
    @engine_options
    def inventory(captures: tuple[str, ...], capture_spec: str | None, first_party: str | None, fmt: str,
                  output: str | None, no_color: bool, **engine_kw: object) -> None:
        """List the endpoints HAR captures show: method, host, path template, authentication,
        status codes and the data classes their responses carry (from the scan's own findings)."""
        from leakscan.analyzers.traffic.inventory import load_spec, report_endpoints
        from leakscan.cli.options import UsageFailure, scan_inputs

        check_inputs(captures)
        if STDIN in captures:
            raise UsageFailure("inventory reads capture files, not stdin")
        config = make_config(capture_spec=capture_spec, first_party=first_party, **engine_kw)
        spec = None
        if capture_spec:
            spec, error = load_spec(capture_spec, config.max_file_size)
            if error:
                raise UsageFailure(error)
        engine = make_engine(config)
        report = scan_inputs(captures, engine)
        report = replace(report, endpoints=report_endpoints(captures, report, config, spec, engine))
        write_inventory(report, fmt, output, no_color)
        sys.exit(EXIT_ERROR if report.errors and not report.endpoints else EXIT_CLEAN)


def write_inventory(report: Report, fmt: str, output: str | None, no_color: bool) -> None:
    from leakscan.cli.output import color_wanted, is_stdio, write_output
    from leakscan.reporters import REPORTERS, ReportOptions
    from leakscan.reporters.json_report import endpoint_dict, report_dict

    def write(stream: TextIO, color: bool) -> None:
        if fmt == "json":
            json.dump({**report_dict(report), "endpoints": [endpoint_dict(e) for e in report.endpoints]}, stream,
                      indent=2, ensure_ascii=False)
            stream.write("\n")
        elif fmt == "csv":
            inventory_csv(report.endpoints, stream)
        elif fmt == "html":
            REPORTERS["html"](report, stream, ReportOptions())
        else:
            inventory_text(report, stream)

    if is_stdio(output):
        write(sys.stdout, color_wanted(sys.stdout, no_color))
    else:
        assert output is not None
        write_output(output, lambda handle: write(handle, False))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return " ".join(str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def inventory_csv(endpoints: Sequence[Endpoint], stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(ENDPOINT_COLUMNS)
    for endpoint in endpoints:
        writer.writerow([_cell(getattr(endpoint, column)) for column in ENDPOINT_COLUMNS])


def inventory_text(report: Report, stream: TextIO) -> None:
    """Endpoints grouped by host; the inventory's flags after each row."""
    from leakscan.reporters.text import printable

    hosts: dict[str, list[Endpoint]] = {}
    for endpoint in report.endpoints:
        hosts.setdefault(endpoint.host, []).append(endpoint)
    for host, endpoints in hosts.items():
        stream.write(f"{printable(host)}\n")
        width = max(len(e.path_template) for e in endpoints)
        for e in endpoints:
            flags = [] if e.documented is not False else ["UNDOCUMENTED"]
            if e.undeclared_fields:
                flags.append("undeclared: " + ", ".join(e.undeclared_fields[:8])
                             + (" …" if len(e.undeclared_fields) > 8 else ""))
            stream.write(printable(
                f"  {e.method:<7} {e.path_template:<{width}}  auth: {','.join(e.auth):<14} "
                f"status: {','.join(map(str, e.statuses)) or '-':<8} "
                f"data: {', '.join(e.data_classes) or '-'}" + ("  " + "; ".join(flags) if flags else "")) + "\n")
    exposures = sum(1 for f in report.findings if f.category == "exposure")
    stream.write(f"{len(report.endpoints)} endpoint(s) on {len(hosts)} host(s); {exposures} exposure finding(s) "
                 f"(`leakscan scan` lists them)\n")
    for error in report.errors:
        stream.write(printable(f"error: {error.path}: {error.message}") + "\n")
