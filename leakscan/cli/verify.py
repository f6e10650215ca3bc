"""`leakscan verify REPORT.json`: ask the providers about an earlier report's findings, re-read from their places."""
from __future__ import annotations

import sys

import click

from leakscan.cli.options import STDIN, VERIFY_META, UsageFailure, emit, output_options, run_verification
from leakscan.cli.output import read_stdin


@click.command("verify")
@click.argument("report_file", metavar="REPORT.json", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--root", "roots", multiple=True, default=(".",), show_default=True,
              help="Directory (or repository) the report's paths are relative to; repeatable.")
@output_options
def verify_command(report_file: str, roots: tuple[str, ...], fmt: str, output: str | None, show_secrets: bool,
                   verbose: bool, no_color: bool, fail_on_error: bool) -> None:
    """Verify the findings of a JSON report (--format json) against their providers.

    The report holds no secrets: each is read again from its file or git blob under --root, and
    used only if it still gives the finding's fingerprint; otherwise the finding says
    "location gone" or "location changed". Findings keep their place in the report, with
    `verification` added."""
    from leakscan.verify.report_file import ReportFileError, load_report, with_secrets
    from leakscan.verify.sources import SourceReader

    try:
        text = read_stdin().decode("utf-8", "replace") if report_file == STDIN else _read(report_file)
        report = load_report(text)
    except ReportFileError as exc:
        raise UsageFailure(f"{report_file}: {exc}") from exc
    reader = SourceReader(roots)
    report, missing = with_secrets(report, reader)
    asked = click.get_current_context().meta.setdefault(VERIFY_META, {})
    report = run_verification(report, asked, roots, unavailable=missing, reader=reader)
    asked["done"] = True
    sys.exit(emit(report, fmt, output, show_secrets, verbose, no_color=no_color, fail_on_error=fail_on_error))


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageFailure(f"{path}: {exc.strerror or exc}") from exc


def register(cli: click.Group) -> None:
    cli.add_command(verify_command)
