"""SARIF 2.1.0: one driver rule per rule id used, masked snippets only."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from leakscan import __version__
from leakscan.model import Finding, Report
from leakscan.reporters.json_report import Streamed, write_indented
from leakscan.reporters.options import ReportOptions

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def _rule(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.rule_id,
        "name": "".join(part.capitalize() for part in finding.rule_id.replace("-", ".").split(".")),
        "shortDescription": {"text": finding.name},
        "fullDescription": {"text": f"{finding.name} ({finding.category})"},
        "defaultConfiguration": {"level": LEVELS.get(finding.severity, "warning")},
        "help": {"text": finding.suggestion.text},
        "properties": {"category": finding.category, "severity": finding.severity,
                       "tags": ["security", finding.category]},
    }


def _location(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    physical: dict[str, Any] = {"artifactLocation": {"uri": loc.path}}
    if loc.line:
        region: dict[str, Any] = {"startLine": loc.line, "snippet": {"text": finding.masked}}
        if loc.column:
            region["startColumn"] = loc.column
        if loc.end_line:
            region["endLine"] = loc.end_line
        if loc.end_column:
            region["endColumn"] = max(loc.end_column, 1)
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if loc.pointer:
        location["logicalLocations"] = [{"fullyQualifiedName": loc.pointer, "kind": "member"}]
    return location


def _related(finding: Finding) -> list[dict[str, Any]]:
    """The identifiers paired with the finding (a user name beside its password), as SARIF related locations."""
    return [{"id": index, "message": {"text": "paired identifier (named in the reasons)"},
             "physicalLocation": {"artifactLocation": {"uri": finding.location.path}, "region": {"startLine": line}}}
            for index, line in enumerate(finding.related_lines, start=1)]


def _result(finding: Finding, index: int, show_secrets: bool) -> dict[str, Any]:
    shown = finding.secret if show_secrets else finding.masked
    props: dict[str, Any] = {"confidence": finding.confidence, "reasons": list(finding.reasons),
                             "category": finding.category, "severity": finding.severity}
    if finding.location.commit:
        props["commit"] = finding.location.commit
    if finding.location.repository:  # `leakscan repos`: the uri is relative to this repository
        props["repository"] = finding.location.repository
    if finding.location.layers:  # inside an archive or an encoding: zip, gzip, tar, base64...
        props["layers"] = list(finding.location.layers)
    if finding.verification is not None:  # --verify only
        v = finding.verification
        props["verification"] = {"status": v.status, "checked_at": v.checked_at, "provider": v.provider,
                                 "detail": v.detail}
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": f"{'LIVE ' if _live(finding) else ''}{finding.name}: {shown} "
                            f"(confidence {finding.confidence:.2f})"},
        "locations": [_location(finding)],
        **({"relatedLocations": _related(finding)} if finding.related_lines else {}),
        "partialFingerprints": {"leakscan/v1": finding.fingerprint},
        "properties": props,
    }


def _live(finding: Finding) -> bool:
    return finding.verification is not None and finding.verification.status == "valid"


def sarif_dict(report: Report, show_secrets: bool = False) -> dict[str, Any]:
    """The whole log as one dict (a test's; `write` streams the results instead)."""
    return _log(report, lambda rule_index: [_result(f, rule_index[f.rule_id], show_secrets) for f in report.findings])


def _log(report: Report, results: Callable[[dict[str, int]], object]) -> dict[str, Any]:
    """The log around RESULTS, which is given each rule id's index among the driver's rules."""
    rule_index: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    for finding in report.findings:
        if finding.rule_id not in rule_index:
            rule_index[finding.rule_id] = len(rules)
            rules.append(_rule(finding))
    notifications = [
        {"level": "error", "message": {"text": f"{e.path}: {e.message}"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": e.path}}}]}
        for e in report.errors
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "leakscan", "version": __version__,
                                "informationUri": "https://github.com/leakscan/leakscan", "rules": rules}},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
            "results": results(rule_index),
        }],
    }


def write(report: Report, stream: TextIO, options: ReportOptions) -> None:
    def results(rule_index: dict[str, int]) -> Streamed:
        return Streamed(_result(f, rule_index[f.rule_id], options.show_secrets) for f in report.findings)

    write_indented(_log(report, results), stream)
    stream.write("\n")
