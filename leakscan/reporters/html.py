"""Self-contained HTML report: summary charts, then a filterable, sortable, paginated findings table."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, TextIO

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from leakscan import __version__
from leakscan.model import CATEGORIES, SEVERITIES, Finding, Report
from leakscan.reporters.options import ReportOptions
from leakscan.reporters.text import printable

# Confidence bands of the summary chart and the band filter, highest first (lower bound inclusive).
BANDS: tuple[tuple[str, float], ...] = (("high", 0.8), ("medium", 0.6), ("low", 0.0))
TOP = 10  # files and endpoints listed as most affected
# What the endpoint table shows of each inventory row (the other helper's Endpoint record), in order.
ENDPOINT_FIELDS = ("method", "host", "path_template", "auth", "statuses", "data_classes", "documented",
                   "undeclared_fields", "calls")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("leakscan.reporters", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True))


def _asset(name: str) -> Markup:
    """The stylesheet or script, inlined verbatim (not a template: no report data ever reaches it)."""
    env = _environment()
    assert env.loader is not None
    return Markup(env.loader.get_source(env, name)[0])


def band(confidence: float) -> str:
    return next(name for name, floor in BANDS if confidence >= floor)


def _verification(finding: Finding) -> tuple[str, str]:
    """(status, detail) of a --verify answer, or ("", "") when the finding was not verified."""
    verification = getattr(finding, "verification", None)
    if verification is None:
        return "", ""
    return printable(getattr(verification, "status", verification)), printable(getattr(verification, "detail", ""))


def _entry(finding: Finding) -> str:
    """The capture entry (`GET https://host/path`) a finding sits in, without its `#n` index."""
    entry = dict(finding.location.extra).get("entry", "")
    return printable(entry.split(" ", 1)[1] if entry.startswith("#") and " " in entry else entry)


def finding_row(finding: Finding, show_secrets: bool) -> dict[str, Any]:
    loc = finding.location
    status, detail = _verification(finding)
    row: dict[str, Any] = {
        "rule": finding.rule_id, "cat": finding.category, "name": printable(finding.name),
        "sev": finding.severity, "conf": round(finding.confidence, 3), "band": band(finding.confidence),
        "path": printable(loc.path), "line": loc.line, "col": loc.column,
        "ptr": printable(loc.pointer or ""), "commit": loc.commit or "", "entry": _entry(finding),
        "masked": printable(finding.masked), "reasons": [printable(r) for r in finding.reasons],
        "action": finding.suggestion.action, "fix": printable(finding.suggestion.text),
        "fixv": printable(finding.suggestion.masked_value), "also": [printable(a) for a in finding.also_at],
        "layers": list(loc.layers), "live": status, "vdetail": detail,
        # The identifiers its reasons name (a user name beside its password): their places in the same file.
        "related": [f"{printable(loc.path)}:{line}" for line in finding.related_lines],
    }
    if show_secrets:
        row["secret"] = printable(finding.secret)
    return row


def _bars(counts: Counter[str], order: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Chart rows: the known labels in their order (zeros included), then any others by count."""
    known = tuple(order)
    labels = list(known) + [label for label, _ in counts.most_common() if label not in known]
    peak = max(counts.values(), default=0) or 1
    return [{"label": label, "count": counts[label], "pct": round(100 * counts[label] / peak, 1)} for label in labels]


def summary(report: Report) -> dict[str, Any]:
    findings = report.findings
    entries = Counter(e for e in (_entry(f) for f in findings) if e)
    return {
        "total": len(findings),
        "by_category": _bars(Counter(f.category for f in findings), CATEGORIES),
        "by_severity": _bars(Counter(f.severity for f in findings), reversed(SEVERITIES)),
        "by_band": _bars(Counter(band(f.confidence) for f in findings), [name for name, _ in BANDS]),
        "top_files": _bars(Counter(printable(f.location.path) for f in findings))[:TOP],
        "top_endpoints": _bars(entries)[:TOP],
        "live": sum(1 for f in findings if _verification(f)[0] == "valid"),
    }


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (tuple, list)):
        return ", ".join(printable(v) for v in value) or "—"
    return printable(value)


def endpoint_rows(report: Report) -> list[dict[str, str]]:
    """The API inventory, when the report has one (captures): one row of display strings per endpoint."""
    endpoints = getattr(report, "endpoints", ()) or ()
    return [{name: _cell(getattr(e, name, None)) for name in ENDPOINT_FIELDS} for e in endpoints]


def metadata(report: Report) -> dict[str, Any]:
    stats = report.stats
    rules_hash = getattr(stats, "rules_hash", None) or getattr(report, "rules_hash", None)
    return {
        "version": __version__, "rules_hash": rules_hash, "seconds": stats.seconds, "files": stats.files,
        "bytes": stats.bytes, "skipped": [(printable(k), v) for k, v in stats.skipped],
        "suppressed": list(stats.suppressed), "incomplete": stats.incomplete,
        "errors": [(printable(e.path), printable(e.message)) for e in report.errors],
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def render(report: Report, options: ReportOptions) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(
        meta=metadata(report), summary=summary(report), endpoints=endpoint_rows(report),
        endpoint_fields=ENDPOINT_FIELDS, findings=[finding_row(f, options.show_secrets) for f in report.findings],
        show_secrets=options.show_secrets, style=_asset("report.css"), script=_asset("report.js"),
        categories=CATEGORIES, severities=SEVERITIES, bands=[name for name, _ in BANDS],
    )


def write(report: Report, stream: TextIO, options: ReportOptions) -> None:
    stream.write(render(report, options))
