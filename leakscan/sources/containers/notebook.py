"""Jupyter notebooks as containers: each cell's source and text outputs a member named by its cell index."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from leakscan.sources.containers.walk import SEPARATOR, Member

NOTEBOOK_SUFFIX = ".ipynb"
LAYER = "notebook"
# Output types that are text; images and other base64 payloads (image/png, application/pdf) are
# not, and are never scanned.
_TEXT_TYPES = ("application/json", "application/javascript", "application/x-sh")


def notebook_members(text: str, path: str) -> list[Member] | None:
    """Cells of the notebook `text` (shown as `path`): `nb.ipynb!/cells/3/source`,
    `nb.ipynb!/cells/3/outputs/0/text/plain`... None when `path` is no notebook or `text` no JSON
    notebook (it is then scanned as any other file)."""
    if not path.lower().endswith(NOTEBOOK_SUFFIX):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    cells = _cells(document)
    if cells is None:
        return None
    members: list[Member] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            continue
        parts = [("source", _joined(cell.get("source", cell.get("input"))))]
        outputs = cell.get("outputs")
        for number, output in enumerate(outputs if isinstance(outputs, list) else []):
            parts.extend((f"outputs/{number}/{name}", value) for name, value in _output_texts(output))
        members.extend(Member(f"{path}{SEPARATOR}cells/{index}/{name}", (LAYER,), value.encode("utf-8", "replace"))
                       for name, value in parts if value.strip())
    return members


def _cells(document: Any) -> list[Any] | None:
    """nbformat 4 keeps `cells` at the top; nbformat 3 inside its first worksheet."""
    if not isinstance(document, dict):
        return None
    cells = document.get("cells")
    worksheets = document.get("worksheets")
    if cells is None and isinstance(worksheets, list) and worksheets and isinstance(worksheets[0], dict):
        cells = worksheets[0].get("cells")
    return cells if isinstance(cells, list) else None


def _output_texts(output: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(output, dict):
        return
    if "text" in output:  # a stream (stdout, stderr)
        yield "text", _joined(output["text"])
    if "traceback" in output:
        yield "traceback", _joined(output["traceback"], "\n")
    data = output.get("data")
    for mime, value in (data.items() if isinstance(data, dict) else ()):
        if mime.startswith("text/") or mime in _TEXT_TYPES or mime.endswith("+json"):
            yield mime, _joined(value) if isinstance(value, str | list) else json.dumps(value)


def _joined(value: Any, separator: str = "") -> str:
    """Notebook text is a string or a list of lines (each with its newline, tracebacks without)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return separator.join(v for v in value if isinstance(v, str))
    return ""
