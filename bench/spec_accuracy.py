"""Precision and recall of the OpenAPI scanner on its labelled fixtures.

    python bench/spec_accuracy.py [--verbose]

Scans tests/fixtures/specs as `leakscan scan` does (the scanner recognises the
specs by content) and compares the findings with tests/fixtures/specs/labels.yaml:
a finding is right when file, pointer and rule (or category, where labelled so)
agree; its line is checked too. Every finding not labelled counts against
precision; every label not found against recall. Labels that need rules of a
category nobody has loaded (stack traces come from the capture scanner's pack)
are left out and listed.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import yaml
from _common import REPO

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Finding, Report
from leakscan.pipeline.tree import scan_paths

FIXTURES = REPO / "tests" / "fixtures" / "specs"


@dataclass(frozen=True)
class Label:
    file: str
    rule: str  # a rule id, or a category
    pointer: str | None
    line: int
    needs: str | None = None

    def matches(self, finding: Finding) -> bool:
        loc = finding.location
        wanted = finding.rule_id if "." in self.rule else finding.category
        return loc.path == self.file and loc.pointer == self.pointer and wanted == self.rule


def load_labels() -> tuple[list[Label], list[dict]]:
    data = yaml.safe_load((FIXTURES / "labels.yaml").read_text(encoding="utf-8"))
    return [Label(**entry) for entry in data["findings"]], data["errors"]


def loaded_categories(engine: Engine) -> set[str]:
    return {r.category for r in engine.rules if r.pattern}


@dataclass
class Score:
    true_positives: list[tuple[Label, Finding]]
    false_positives: list[Finding]
    false_negatives: list[Label]
    skipped: list[Label]
    wrong_lines: list[tuple[Label, Finding]]
    missing_errors: list[dict]

    @property
    def precision(self) -> float:
        found = len(self.true_positives) + len(self.false_positives)
        return len(self.true_positives) / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = len(self.true_positives) + len(self.false_negatives)
        return len(self.true_positives) / wanted if wanted else 1.0


def evaluate(report: Report, labels: list[Label], errors: list[dict], categories: set[str]) -> Score:
    active = [lab for lab in labels if not lab.needs or lab.needs in categories]
    skipped = [lab for lab in labels if lab not in active]
    unmatched = list(report.findings)
    hits, misses, wrong_lines = [], [], []
    for label in active:
        found = next((f for f in unmatched if label.matches(f)), None)
        if found is None:
            misses.append(label)
            continue
        unmatched.remove(found)
        hits.append((label, found))
        if found.location.line != label.line:
            wrong_lines.append((label, found))
    missing_errors = [e for e in errors
                      if not any(err.path == e["file"] and e["message"] in err.message for err in report.errors)]
    return Score(hits, unmatched, misses, skipped, wrong_lines, missing_errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    engine = Engine.build(Config(jobs=1))
    labels, errors = load_labels()
    report = scan_paths([str(FIXTURES)], engine)
    score = evaluate(report, labels, errors, loaded_categories(engine))
    print(f"fixtures: {report.stats.files} files, {len(labels)} labels "
          f"({len(score.skipped)} left out: no rules loaded for {sorted({s.needs for s in score.skipped})})")
    print(f"true positives {len(score.true_positives)}  false positives {len(score.false_positives)}  "
          f"false negatives {len(score.false_negatives)}  wrong lines {len(score.wrong_lines)}")
    print(f"precision {score.precision:.3f}  recall {score.recall:.3f}")
    for f in score.false_positives:
        print(f"  FP {f.location.path}:{f.location.line} {f.rule_id} {f.location.pointer} ({f.confidence:.2f})")
    for lab in score.false_negatives:
        print(f"  FN {lab.file}:{lab.line} {lab.rule} {lab.pointer}")
    for lab, f in score.wrong_lines:
        print(f"  LINE {lab.file} {lab.pointer}: expected {lab.line}, reported {f.location.line}")
    for e in score.missing_errors:
        print(f"  missing error for {e['file']} ({e['message']!r})")
    if args.verbose:
        for lab, f in score.true_positives:
            print(f"  ok {lab.file}:{f.location.line} {f.rule_id} {f.confidence:.2f} {'; '.join(f.reasons[1:])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
