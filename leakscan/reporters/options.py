"""What a reporter may be asked for besides the report: secrets shown, colour, verbosity."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportOptions:
    """How a report is printed: secrets shown, colour, detail."""

    show_secrets: bool = False
    color: bool = False
    verbose: bool = False
