"""Findings as JSON-ready dicts and back, without the plaintext secret: what the store keeps."""
from __future__ import annotations

from typing import Any

from leakscan.model import Finding, Location, ScanError, Suggestion


def finding_record(finding: Finding) -> dict[str, Any]:
    """Every field but `secret`, `raw_pointer` and `raw_also_at`: a store never holds a value in full."""
    loc = finding.location
    return {
        "rule_id": finding.rule_id, "category": finding.category, "name": finding.name,
        "severity": finding.severity, "confidence": finding.confidence, "reasons": list(finding.reasons),
        "location": {
            "path": loc.path, "line": loc.line, "column": loc.column, "end_line": loc.end_line,
            "end_column": loc.end_column, "commit": loc.commit, "pointer": loc.pointer, "blob": loc.blob,
            "extra": [list(pair) for pair in loc.extra], "layers": list(loc.layers),
            "repository": loc.repository,
        },
        "masked": finding.masked, "fingerprint": finding.fingerprint,
        "suggestion": [finding.suggestion.action, finding.suggestion.text, finding.suggestion.masked_value],
        "secret_hash": finding.secret_hash, "also_at": list(finding.also_at),
        "related_lines": list(finding.related_lines),
    }


def finding_from_record(record: dict[str, Any]) -> Finding:
    loc = dict(record["location"])
    extra = tuple((str(k), str(v)) for k, v in loc.pop("extra"))
    layers = tuple(loc.pop("layers"))
    location = Location(**loc, extra=extra, layers=layers)
    action, text, masked_value = record["suggestion"]
    return Finding(
        rule_id=record["rule_id"], category=record["category"], name=record["name"],
        severity=record["severity"], confidence=record["confidence"], reasons=tuple(record["reasons"]),
        location=location, masked=record["masked"], fingerprint=record["fingerprint"],
        suggestion=Suggestion(action, text, masked_value), secret_hash=record["secret_hash"],
        also_at=tuple(record["also_at"]), related_lines=tuple(record.get("related_lines", ())),
    )


def error_record(error: ScanError) -> list[str]:
    return [error.path, error.message]


def error_from_record(record: list[str]) -> ScanError:
    return ScanError(record[0], record[1])
