"""Reporters: one small module each, registered in one dict. They see only the report."""
from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from leakscan.model import Report
from leakscan.reporters import gitlab, html, json_report, junit, sarif, text
from leakscan.reporters.options import ReportOptions

Writer = Callable[[Report, TextIO, ReportOptions], None]

REPORTERS: dict[str, Writer] = {
    "text": text.write,
    "json": json_report.write,
    "sarif": sarif.write,
    "junit": junit.write,
    "gitlab": gitlab.write,
    "html": html.write,
}

__all__ = ["REPORTERS", "ReportOptions", "Writer"]
