"""Reporters: one small module each, registered in one dict. They see only the report."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, MutableMapping
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


class _LazyReporters(MutableMapping[str, Writer]):
    """The format registry: names to writers, each writer's module imported on first use.
    A writer set here (a test's stand-in) replaces the module's until it is deleted."""

    def __init__(self) -> None:
        self._loaded: dict[str, Writer] = {}

    def __getitem__(self, name: str) -> Writer:
        if name not in self._loaded:
            module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
            self._loaded[name] = module.write
        return self._loaded[name]

    def __setitem__(self, name: str, writer: Writer) -> None:
        self._loaded[name] = writer

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


REPORTERS: MutableMapping[str, Writer] = _LazyReporters()

__all__ = ["REPORTERS", "ReportOptions", "Writer"]
