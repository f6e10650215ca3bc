"""Human report: findings grouped by file (or capture entry), colour on a terminal."""
from __future__ import annotations

from itertools import groupby
from typing import TextIO

import click

from leakscan.model import Finding, Report
from leakscan.reporters.options import ReportOptions

SEVERITY_COLORS = {"critical": "magenta", "high": "red", "medium": "yellow", "low": "cyan", "info": "white"}


def _group_key(finding: Finding) -> str:
    loc = finding.location
    extra = dict(loc.extra)
    if "entry" in extra:  # captures group by request (method and URL)
        return f"{loc.path} — {extra['entry']}"
    if loc.commit:
        return f"{loc.path} @ {loc.commit[:12]}"
    return loc.path


def _where(finding: Finding) -> str:
    loc = finding.location
    where = f"{loc.line}:{loc.column}" if loc.line else "-"
    if loc.pointer:
        where += f" {loc.pointer}"
    return where


def write(report: Report, stream: TextIO, options: ReportOptions) -> None:
    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if options.color else text  # type: ignore[arg-type]

    for key, group in groupby(report.findings, key=_group_key):
        stream.write(style(key, bold=True, underline=True) + "\n")
        for f in group:
            shown = f.secret if options.show_secrets else f.masked
            sev = style(f"{f.severity:<8}", fg=SEVERITY_COLORS.get(f.severity, "white"))
            stream.write(f"  {_where(f):<10} {sev} {f.confidence:.2f}  {f.rule_id}  {f.name}\n")
            stream.write(f"             {shown}\n")
            extra = dict(f.location.extra)
            if f.location.commit:
                who = ", ".join(v for v in (extra.get("author"), extra.get("date")) if v)
                stream.write(f"             commit {f.location.commit}{' (' + who + ')' if who else ''}\n")
            if f.also_at:
                more = f" and {len(f.also_at) - 5} more" if len(f.also_at) > 5 else ""  # a cookie in every request
                stream.write(f"             also at: {', '.join(f.also_at[:5])}{more}\n")
            if options.verbose:
                stream.write(f"             reasons: {'; '.join(f.reasons)}\n")
                stream.write(f"             fix: {f.suggestion.text}\n")
        stream.write("\n")
    for err in report.errors:
        stream.write(style("error", fg="red") + f": {err.path}: {err.message}\n")
    s = report.stats
    stream.write(f"{len(report.findings)} finding(s) in {s.files} file(s), {s.bytes / 1e6:.1f} MB, "
                 f"{s.seconds:.2f}s, {s.errors} error(s)\n")
