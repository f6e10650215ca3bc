"""Reporters: one small module each, registered in one dict. They see only the report."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TextIO

from leakscan.model import Report
from leakscan.reporters.options import ReportOptions

Writer = Callable[[Report, TextIO, ReportOptions], None]

# Format name -> the module whose `write` renders it. A module is imported only when its format
# is asked for: the HTML reporter pulls in Jinja2 (about 70 ms), which a pre-commit run never needs.
_MODULES: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "junit": "junit",
    "gitlab": "gitlab",
    "html": "html",
}


class _LazyReporters(Mapping[str, Writer]):
    """The format registry: a mapping of names to writers that imports each writer on first use."""

    def __getitem__(self, name: str) -> Writer:
        module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
        writer: Writer = module.write
        return writer

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


REPORTERS: Mapping[str, Writer] = _LazyReporters()

__all__ = ["REPORTERS", "ReportOptions", "Writer"]
