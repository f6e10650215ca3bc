"""The JSON report: the report contract (fields are added, never renamed)."""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from leakscan import __version__
from leakscan.model import Endpoint, Finding, Report, RepositoryStatus
from leakscan.reporters.options import ReportOptions


def finding_dict(finding: Finding, show_secrets: bool) -> dict[str, Any]:
    loc = finding.location
    location: dict[str, Any] = {
        "path": loc.path, "line": loc.line, "column": loc.column,
        "end_line": loc.end_line, "end_column": loc.end_column,
        "commit": loc.commit, "pointer": loc.pointer,
    }
    if loc.blob:
        location["blob"] = loc.blob
    if loc.layers:
        location["layers"] = list(loc.layers)
    if loc.repository is not None:  # leakscan repos: the repository it was found in
        location["repository"] = loc.repository
    location.update(dict(loc.extra))
    out: dict[str, Any] = {
        "rule_id": finding.rule_id,
        "category": finding.category,
        "name": finding.name,
        "severity": finding.severity,
        "confidence": finding.confidence,
        "reasons": list(finding.reasons),
        "location": location,
        "masked": finding.masked,
        "fingerprint": finding.fingerprint,
        "suggestion": {
            "action": finding.suggestion.action,
            "text": finding.suggestion.text,
            "masked_value": finding.suggestion.masked_value,
        },
    }
    if finding.also_at:
        out["also_at"] = list(finding.also_at)
    if finding.related_lines:  # the identifiers its reasons name: a user name beside its password
        out["related"] = related_places(finding)
    if finding.verification is not None:  # --verify only
        out["verification"] = verification_dict(finding)
    if show_secrets:
        out["secret"] = finding.secret
    return out


def related_places(finding: Finding) -> list[str]:
    """`path:line` of each identifier paired with the finding (same file, same revision)."""
    return [f"{finding.location.path}:{line}" for line in finding.related_lines]


def verification_dict(finding: Finding) -> dict[str, Any] | None:
    """What the provider answered (`status` valid | invalid | error | skipped), or None when not asked."""
    v = finding.verification
    if v is None:
        return None
    return {"status": v.status, "checked_at": v.checked_at, "provider": v.provider, "detail": v.detail}


def report_dict(report: Report, show_secrets: bool = False) -> dict[str, Any]:
    """The whole report as one dict (a test's or a caller's; `write` streams the findings instead)."""
    return _envelope(report, [finding_dict(f, show_secrets) for f in report.findings])


def _envelope(report: Report, findings: object) -> dict[str, Any]:
    return {
        "tool": {"name": "leakscan", "version": __version__,
                 **({"rules_hash": report.rules_hash} if report.rules_hash else {})},
        "stats": {
            "files": report.stats.files, "bytes": report.stats.bytes,
            "seconds": report.stats.seconds, "errors": report.stats.errors,
            "skipped": dict(report.stats.skipped),  # reason -> files left out
            "suppressed": dict(report.stats.suppressed),  # baseline / inline_ignore -> findings hidden
            **({"incomplete": True} if report.stats.incomplete else {}),  # interrupted: found so far
        },
        "findings": findings,
        "errors": [{"path": e.path, "message": e.message} for e in report.errors],
        # Captures only (the API inventory): absent otherwise, so other reports keep their shape.
        **({"endpoints": [endpoint_dict(e) for e in report.endpoints]} if report.endpoints else {}),
        # leakscan repos only: what became of each repository (scanned, failed with its reason, skipped).
        **({"repositories": [repository_dict(r) for r in report.repositories]} if report.repositories else {}),
    }


def repository_dict(status: RepositoryStatus) -> dict[str, Any]:
    return {"repository": status.repository, "status": status.status, "reason": status.reason,
            "findings": status.findings, "workers": list(status.workers), "reused": status.reused}


def endpoint_dict(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "method": endpoint.method, "host": endpoint.host, "path_template": endpoint.path_template,
        "auth": list(endpoint.auth), "statuses": list(endpoint.statuses),
        "data_classes": list(endpoint.data_classes), "documented": endpoint.documented,
        "undeclared_fields": list(endpoint.undeclared_fields), "calls": endpoint.calls,
    }


def write(report: Report, stream: TextIO, options: ReportOptions) -> None:
    findings = Streamed(finding_dict(f, options.show_secrets) for f in report.findings)
    write_indented(_envelope(report, findings), stream)
    stream.write("\n")


_ENCODER = json.JSONEncoder(indent=2, ensure_ascii=False)  # json.dump's own, made once for every item
_string = json.encoder.encode_basestring  # (json's own C function: ensure_ascii off)


@dataclass(frozen=True)
class Streamed:
    """A list too long to hold encoded (a report's findings): its items are made and written one at a time."""

    items: Iterable[Any]


def write_indented(value: Any, stream: TextIO, indent: str = "") -> None:
    """What `json.dump(value, stream, indent=2, ensure_ascii=False)` writes, byte for byte, in pieces:
    each item of a Streamed list is encoded alone, so neither the list nor its text is ever whole."""
    if isinstance(value, Streamed):
        inner = indent + "  "
        separator = "[\n"
        for item in value.items:
            stream.write(separator + inner + _encoded(item, inner))
            separator = ",\n"
        stream.write("[]" if separator == "[\n" else f"\n{indent}]")
    elif isinstance(value, (dict, list)) and _holds_streamed(value):
        inner = indent + "  "
        pairs = value.items() if isinstance(value, dict) else ((None, item) for item in value)
        separator = "{\n" if isinstance(value, dict) else "[\n"
        for key, item in pairs:
            name = "" if key is None else _key(key) + ": "
            stream.write(separator + inner + name)
            write_indented(item, stream, inner)
            separator = ",\n"
        stream.write(f"\n{indent}" + ("}" if isinstance(value, dict) else "]"))
    else:
        stream.write(_encoded(value, indent))


def _encoded(value: Any, indent: str) -> str:
    """VALUE as json.dump writes it at this depth (indent 2, ensure_ascii off), in one recursion that
    joins strings: the standard library's indented encoder is pure Python and yields every comma and
    bracket on its own, and took a tenth of a compact capture's scan (160,001 findings)."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = indent + "  "
        members = f",\n{inner}".join([f"{_key(k)}: {_encoded(v, inner)}" for k, v in value.items()])
        return f"{{\n{inner}{members}\n{indent}}}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = indent + "  "
        return f"[\n{inner}" + f",\n{inner}".join([_encoded(v, inner) for v in value]) + f"\n{indent}]"
    if kind is int or kind is float or value is None or kind is bool:
        return _scalar(value)
    # Anything else (a subclass; a type json turns down, raising its own error) as json has it.
    text = _ENCODER.encode(value)
    return text.replace("\n", "\n" + indent) if indent else text


def _scalar(value: object) -> str:
    """A number or constant as json spells it (`NaN`, `Infinity`: json's default allow_nan)."""
    if value is None or value is True or value is False:
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, float):
        if value != value or value in (math.inf, -math.inf):
            return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
        return float.__repr__(value)
    return int.__repr__(value)  # (an int: bool and None are handled above, floats just before)


def _key(key: Any) -> str:
    """A member's name as json writes it: a number or a constant spelled out, then quoted."""
    if isinstance(key, str):
        return _string(key)
    if isinstance(key, (int, float)) or key is None:
        return _string(_scalar(key))
    return _ENCODER.encode({key: 0})  # raises json's TypeError: keys must be str, int, float, bool or None


def _holds_streamed(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return any(isinstance(item, Streamed) or (isinstance(item, (dict, list)) and _holds_streamed(item))
               for item in items)
