"""What every spec detector needs: the document, refs, engine, and candidate building."""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from leakscan.analyzers.spec import walk as spec_walk
from leakscan.model import Adjustment, Candidate, Origin, Rule
from leakscan.sources.openapi import Node, RefResolver, SpecDocument
from leakscan.sources.pointer import split
from leakscan.suppression.inline import inline_ignored

if TYPE_CHECKING:
    from leakscan.engine.context import Engine


@dataclass
class SpecContext:
    doc: SpecDocument
    refs: RefResolver
    engine: Engine
    origin: Origin  # the scanned chunk's: commit, blob and extra pairs carry over
    version: str  # "2.0", "3.0", "3.1"
    # (document path, pointer prefix) of error-response examples → "500 response of GET /x"
    error_examples: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def is_swagger2(self) -> bool:
        return self.version.startswith("2")

    @functools.cached_property
    def operations(self) -> list[spec_walk.Operation]:
        return list(spec_walk.operations(self.doc, self.refs))

    @functools.cached_property
    def responses(self) -> list[spec_walk.Response]:
        return [r for op in self.operations for r in spec_walk.responses(op, self.refs)]

    def rule(self, rule_id: str) -> Rule | None:
        """The rule, or None when it is disabled (then the detector stays quiet)."""
        return self.engine.by_id.get(rule_id)

    def origin_at(self, doc: SpecDocument, pointer: str, line_offset: int = 0, column_offset: int = 0) -> Origin:
        return replace(self.origin, path=doc.path, pointer=pointer,
                       line_offset=line_offset, column_offset=column_offset)

    def structural(self, rule_id: str, node: Node, display: str = "",
                   adjustments: Sequence[Adjustment] = (), also_at: Sequence[str] = ()) -> Candidate | None:
        """A finding about a node itself (a scheme, a parameter, a property), placed at its key."""
        rule = self.rule(rule_id)
        if rule is None:
            return None
        pos = node.doc.positions.locate(node.pointer)
        line, column = (pos.line, pos.column) if pos else (0, 0)
        tokens = split(node.pointer)
        width = len(tokens[-1]) if tokens else 1
        text = node.doc.positions.line_text(line) if line else ""
        before = node.doc.positions.line_text(line - 1) if line > 1 else ""
        if inline_ignored(rule.id, text, before):
            return None
        return Candidate(
            rule=rule, secret=structural_identity(node), origin=self.origin_at(node.doc, node.pointer),
            line=line, column=column, end_line=line, end_column=column + width,
            line_text=text, before=before, adjustments=tuple(adjustments),
            also_at=tuple(also_at), display=display,
        )


def also_at(labels: Sequence[str], limit: int = 10) -> tuple[str, ...]:
    """Other places a finding applies to, capped so one shared schema does not list a thousand."""
    shown = tuple(labels[:limit])
    more = len(labels) - len(shown)
    return shown + ((f"… and {more} more",) if more > 0 else ())


def structural_identity(node: Node) -> str:
    """Structural findings have no secret value; they are identified by where they are.

    A digest rather than the pointer itself: the placeholder heuristics that
    scoring applies to secrets must not read words in a path as a placeholder."""
    digest = hashlib.sha256(f"{node.doc.path}#{node.pointer}".encode()).hexdigest()[:32]
    return f"node:{digest}"
