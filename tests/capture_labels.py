"""Labelled capture fixtures (tests/fixtures/captures/labels.json) and how a report is judged against them.

A label is (category, place): a JSON pointer, or a line number in a text
capture. A label is found when a finding of its category sits at that place
or lists it in `also_at` (one value seen in several places is one finding).
A finding that matches no label is a false positive. bench/capture_accuracy.py
prints the same figures.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CAPTURES = Path(__file__).parent / "fixtures" / "captures"


def labels() -> dict[str, list[dict[str, Any]]]:
    return json.loads((CAPTURES / "labels.json").read_text(encoding="utf-8"))


def copy_fixtures(target: Path) -> Path:
    """The fixtures outside tests/, so the "in tests" path demotion does not apply."""
    out = target / "captures"
    shutil.copytree(CAPTURES, out)
    return out


@dataclass(frozen=True)
class Judgement:
    found: list[dict[str, Any]]
    missed: list[dict[str, Any]]
    false_positives: list[dict[str, Any]]


def _places(finding: dict[str, Any]) -> set[Any]:
    loc = finding["location"]
    places: set[Any] = {loc.get("pointer"), loc.get("line")}
    for other in finding.get("also_at", []):
        places.add(other)
        tail = other.rsplit(":", 1)[-1]
        if tail.isdigit():
            places.add(int(tail))
    places.discard(None)
    return places


def judge(findings: list[dict[str, Any]], expected: list[dict[str, Any]], path: str | None = None) -> Judgement:
    # Exposure checks on whole exchanges (rule pack exposure.yaml) have their own fixtures and tests
    # (tests/analyzers/traffic/); the labels are about values.
    mine = [f for f in findings if (path is None or f["location"]["path"].endswith(path))
            and not f["rule_id"].startswith("exposure.")]
    found, missed = [], []
    matched: set[int] = set()
    for label in expected:
        hits = [i for i, f in enumerate(mine) if f["category"] == label["category"] and label["place"] in _places(f)]
        (found if hits else missed).append(label)
        matched.update(hits)
    return Judgement(found, missed, [f for i, f in enumerate(mine) if i not in matched])
