"""An earlier JSON report read back, each secret re-read from its location and checked against its fingerprint."""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from leakscan.model import Finding, Location, Report, ScanError, ScanStats, Suggestion
from leakscan.suppression.fingerprint import fingerprint, fingerprint_key, place_of, secret_hash
from leakscan.verify.sources import SourceReader, secret_at

LOCATION_FIELDS = ("path", "line", "column", "end_line", "end_column", "commit", "pointer", "blob", "layers")
GONE = "location gone"
CHANGED = "location changed (the value there is not the one reported)"


class ReportFileError(ValueError):
    """Not a leakscan JSON report; the message says what is missing."""


def load_report(text: str) -> Report:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportFileError(f"not JSON: {exc.msg} (line {exc.lineno})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ReportFileError("not a leakscan JSON report (no 'findings' list); write one with --format json")
    stats = data.get("stats") or {}
    return Report(
        findings=tuple(_finding(item) for item in data["findings"]),
        errors=tuple(ScanError(str(e.get("path", "")), str(e.get("message", ""))) for e in data.get("errors") or ()),
        stats=ScanStats(files=int(stats.get("files", 0)), bytes=int(stats.get("bytes", 0)),
                        seconds=float(stats.get("seconds", 0.0)), errors=int(stats.get("errors", 0)),
                        skipped=tuple(sorted((stats.get("skipped") or {}).items())),
                        suppressed=tuple(sorted((stats.get("suppressed") or {}).items()))),
    )


def _finding(item: Any) -> Finding:
    if not isinstance(item, dict) or "rule_id" not in item or not isinstance(item.get("location"), dict):
        raise ReportFileError("a finding without rule_id or location")
    loc = item["location"]
    extra = tuple(sorted((k, str(v)) for k, v in loc.items() if k not in LOCATION_FIELDS and v is not None))
    suggestion = item.get("suggestion") or {}
    return Finding(
        rule_id=str(item["rule_id"]), category=str(item.get("category", "secret")), name=str(item.get("name", "")),
        severity=str(item.get("severity", "medium")), confidence=float(item.get("confidence", 0.0)),
        reasons=tuple(str(r) for r in item.get("reasons") or ()),
        location=Location(path=str(loc.get("path", "")), line=loc.get("line"), column=loc.get("column"),
                          end_line=loc.get("end_line"), end_column=loc.get("end_column"), commit=loc.get("commit"),
                          pointer=loc.get("pointer"), blob=loc.get("blob"), extra=extra,
                          layers=tuple(loc.get("layers") or ())),
        masked=str(item.get("masked", "")), fingerprint=str(item.get("fingerprint", "")),
        suggestion=Suggestion(str(suggestion.get("action", "")), str(suggestion.get("text", "")),
                              str(suggestion.get("masked_value", ""))),
        secret_hash="", also_at=tuple(str(a) for a in item.get("also_at") or ()),
        related_lines=_related_lines(item.get("related")),
    )


def _related_lines(places: Any) -> tuple[int, ...]:
    """`related` ("path:line", the finding's own path) back to its lines, so a verified report keeps it."""
    lines = []
    for place in places if isinstance(places, list) else ():
        _, _, line = str(place).rpartition(":")
        if line.isdigit():
            lines.append(int(line))
    return tuple(lines)


def with_secrets(report: Report, reader: SourceReader) -> tuple[Report, dict[int, str]]:
    """REPORT with each secret read again where the report says it is; {index: why} for those not found.

    The value read must give the finding's fingerprint again, so a file edited since the scan never sends
    a different string (a neighbour's token, a line that moved) to a provider."""
    findings, missing = [], {}
    key = fingerprint_key()
    for index, finding in enumerate(report.findings):
        text = reader.text(finding.location)
        value = secret_at(text, finding.location) if text is not None else None
        if value is None:
            missing[index] = GONE if text is None else CHANGED
        elif fingerprint(finding.rule_id, finding.category, finding.location.path, value,
                         place_of(finding.location.pointer, finding.location.line), key) != finding.fingerprint:
            missing[index], value = CHANGED, None
        findings.append(replace(finding, secret=value or "", secret_hash=secret_hash(value) if value else ""))
    return replace(report, findings=tuple(findings)), missing
