"""GitLab secret-detection report (schema 15.0.7): the merge request widget and the vulnerability report."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, TextIO

from leakscan import __version__
from leakscan.model import Finding, Report
from leakscan.reporters.options import ReportOptions

SCHEMA_VERSION = "15.0.7"
SCHEMA_URL = ("https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
              f"v{SCHEMA_VERSION}/dist/secret-detection-report-format.json")
SEVERITIES = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low", "info": "Info"}
# GitLab's own analyzer writes this sha for files scanned outside any commit; the schema requires one.
NO_COMMIT = "0000000"
_ID_NAMESPACE = uuid.UUID("0b4a7a52-2d2f-4d4e-9d3f-6c65616b7363")  # fixed: a finding keeps its id across pipelines
_TIME = "%Y-%m-%dT%H:%M:%S"


def _vulnerability(finding: Finding, show_secrets: bool) -> dict[str, Any]:
    loc = finding.location
    shown = finding.secret if show_secrets else finding.masked
    location: dict[str, Any] = {"file": loc.path, "commit": {"sha": loc.commit or NO_COMMIT}}
    if loc.line:
        location["start_line"] = loc.line
        location["end_line"] = loc.end_line or loc.line
    details: dict[str, Any] = {
        "confidence": {"name": "Confidence", "type": "value", "value": round(finding.confidence, 3)},
        "category": {"name": "Category", "type": "text", "value": finding.category},
        "reasons": {"name": "Reasons", "type": "list",
                    "items": [{"type": "text", "value": reason} for reason in finding.reasons]},
    }
    if loc.pointer:
        details["pointer"] = {"name": "JSON Pointer", "type": "text", "value": loc.pointer}
    if loc.repository:
        # GitLab's location names a file of the one project the pipeline ran in; a `leakscan repos` run spans
        # many, so the repository goes where the schema allows free fields.
        details["repository"] = {"name": "Repository", "type": "text", "value": loc.repository}
    if finding.related_lines:  # the user name or key id beside this secret, as JSON's `related`
        places = [{"type": "text", "value": f"{loc.path}:{line}"} for line in finding.related_lines]
        details["related"] = {"name": "Paired with", "type": "list", "items": places}
    return {
        "id": str(uuid.uuid5(_ID_NAMESPACE, finding.fingerprint)),
        "category": "secret_detection",
        "name": finding.name[:255],
        "description": f"{finding.name} ({finding.category}): {shown}. Confidence {finding.confidence:.2f}.",
        "severity": SEVERITIES.get(finding.severity, "Unknown"),
        "solution": finding.suggestion.text[:7000],
        "identifiers": [{"type": "leakscan_rule_id", "name": f"leakscan {finding.rule_id}",
                         "value": finding.rule_id}],
        "location": location,
        "raw_source_code_extract": shown,
        "details": details,
    }


def gitlab_dict(report: Report, show_secrets: bool = False, now: datetime | None = None) -> dict[str, Any]:
    end = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    start = end - timedelta(seconds=round(report.stats.seconds))
    tool = {"id": "leakscan", "name": "leakscan", "version": __version__, "vendor": {"name": "leakscan"}}
    messages = [{"level": "warn", "value": f"{e.path}: {e.message}"} for e in report.errors]
    if report.stats.incomplete:
        messages.append({"level": "warn", "value": "scan interrupted: the findings are those found so far"})
    scan: dict[str, Any] = {"analyzer": tool, "scanner": tool, "type": "secret_detection",
                            "start_time": start.strftime(_TIME), "end_time": end.strftime(_TIME),
                            "status": "success"}
    if messages:
        scan["messages"] = messages
    return {"version": SCHEMA_VERSION, "schema": SCHEMA_URL, "scan": scan,
            "vulnerabilities": [_vulnerability(f, show_secrets) for f in report.findings]}


def write(report: Report, stream: TextIO, options: ReportOptions) -> None:
    json.dump(gitlab_dict(report, options.show_secrets), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
