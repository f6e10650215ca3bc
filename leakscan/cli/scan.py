"""`leakscan scan PATH...`: files, directory trees and stdin, captures and specs recognised by content."""
from __future__ import annotations

import os
import sys
from dataclasses import replace

import click

from leakscan.cli.options import (
    check_inputs,
    emit,
    engine_options,
    findings_cache,
    incremental_options,
    make_config,
    make_engine,
    output_options,
    scan_inputs,
)


@click.command("scan")
@click.argument("paths", nargs=-1, required=True)
@engine_options
@output_options
@incremental_options
@click.option("--exclude", multiple=True, help="Gitignore-style pattern to skip (repeatable).")
@click.option("--max-file-size", type=click.IntRange(1), default=None, help="Skip files larger than this many bytes.")
@click.option("--no-gitignore", is_flag=True, help="Scan files .gitignore excludes too.")
@click.option("--no-archives", is_flag=True, help="Do not open zip, jar, tar, gzip, bzip2 or xz files.")
@click.option("--no-decode", is_flag=True, help="Do not decode base64, percent-encoded or escaped values.")
@click.option("--stdin-name", default="-", show_default=True, help="Path to report (and recognise) stdin as.")
@click.option("--spec", "capture_spec", type=click.Path(exists=True, dir_okay=False),
              help="OpenAPI document: report capture traffic it does not document.")
@click.option("--first-party", "first_party", metavar="DOMAIN", default=None,
              help="Captures: the site's own domain (default: decided from each capture's pages and first requests).")
def scan(paths: tuple[str, ...], fmt: str, output: str | None, show_secrets: bool, verbose: bool,
         no_color: bool, fail_on_error: bool, incremental: bool, state_file: str | None, exclude: tuple[str, ...],
         max_file_size: int | None, no_gitignore: bool, no_archives: bool, no_decode: bool, stdin_name: str,
         **engine_kw: object) -> None:
    """Scan files and directory trees (or - for stdin)."""
    check_inputs(paths)
    config = make_config(exclude=exclude, max_file_size=max_file_size,
                         respect_gitignore=False if no_gitignore else None, show_secrets=show_secrets or None,
                         archives=False if no_archives else None, decode=False if no_decode else None,
                         **engine_kw)
    engine = make_engine(config)
    report = scan_inputs(paths, engine, stdin_name, findings_cache(engine, incremental, state_file))
    if paths != ("-",) and (any(os.path.isfile(p) for p in paths) or any(
            (f.location.pointer or "").startswith("/log/entries/") for f in report.findings)):
        from leakscan.analyzers.traffic.inventory import report_endpoints  # captures: the API inventory

        report = replace(report, endpoints=report_endpoints(paths, report, config, engine=engine))
    sys.exit(emit(report, fmt, output, show_secrets, verbose, no_color=no_color, fail_on_error=fail_on_error))


def register(cli: click.Group) -> None:
    cli.add_command(scan)
