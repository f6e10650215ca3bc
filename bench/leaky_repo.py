"""Risk recall and excess lines on ../shared/bench/leaky-repo, scored as its README says.

    python bench/leaky_repo.py [--per-file] [--lines]

risk recall = sum over files of min(flagged lines, num_risk) / sum of num_risk;
excess      = flagged lines beyond num_risk + num_informative in a file.

A flagged line is a line a finding points to: its own line (and the other
places of the same value, `also_at`) and the lines of the identifiers it is
paired with (`related`: the user name beside a password). Both figures are
printed: secret lines only, and with the paired identifier lines.
"""
from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

from _common import SHARED_BENCH, shorten

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.tree import scan_paths


def expected(meta: Path) -> dict[str, tuple[int, int]]:
    rows: dict[str, tuple[int, int]] = {}
    with open(meta, encoding="utf-8") as handle:
        for row in csv.reader(line for line in handle if line.strip() and not line.startswith("#")):
            rows[row[0].strip()] = (int(row[1]), int(row[2]))
    return rows


def pointer_lines(path: Path, pointers) -> set[int]:
    """Lines of the JSON values at `pointers` (plain RFC 6901 pointers only)."""
    from leakscan.analyzers.jsonspan import JsonSpans
    from leakscan.sources.pointer import split

    if not pointers:
        return set()
    text = path.read_text(encoding="utf-8", errors="replace")
    spans = JsonSpans(text)
    lines = set()
    for pointer in pointers:
        if pointer.startswith("/") and "#" not in pointer:
            span = spans.value_span(split(pointer))
            if span:
                lines.add(text.count("\n", 0, span[0]) + 1)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", default=str(SHARED_BENCH / "leaky-repo"))
    parser.add_argument("--per-file", action="store_true", help="per file, counting paired identifier lines")
    parser.add_argument("--lines", action="store_true", help="print flagged lines (masked)")
    args = parser.parse_args()
    root = Path(args.root)
    truth = expected(root / ".leaky-meta" / "secrets.csv")
    engine = Engine.build(Config(exclude=(".leaky-meta/",), respect_gitignore=False, jobs=1))
    report = scan_paths([str(root)], engine)
    secret_lines: dict[str, set[int]] = defaultdict(set)
    paired_lines: dict[str, set[int]] = defaultdict(set)
    for f in report.findings:
        secret_lines[f.location.path].add(f.location.line or 0)
        # One value at several places is one finding that lists the others
        # (as JSON pointers); each of those places is a flagged line too.
        secret_lines[f.location.path].update(pointer_lines(root / f.location.path, f.also_at))
        paired_lines[f.location.path].update(f.related_lines)
        if args.lines:
            related = "".join(f" +{line}" for line in f.related_lines)
            print(f"{f.location.path}:{f.location.line}{related} {f.rule_id} {f.confidence:.2f} "
                  f"{shorten(f.masked, 40)}")
    with_pairs = {path: secret_lines[path] | paired_lines[path] for path in secret_lines}
    score(truth, secret_lines, "secret lines only", per_file=False)
    score(truth, with_pairs, "with paired identifier lines", per_file=args.per_file)
    print(f"errors: {len(report.errors)}")


def score(truth: dict[str, tuple[int, int]], lines: dict[str, set[int]], label: str, per_file: bool) -> None:
    """Risk recall and excess lines of one way of counting flagged lines."""
    hit = excess = 0
    total_risk = sum(r for r, _ in truth.values())
    for path in sorted(set(truth) | set(lines)):
        risk, info = truth.get(path, (0, 0))
        flagged = len(lines.get(path, ()))
        file_hit = min(flagged, risk)
        file_excess = max(0, flagged - risk - info)
        hit += file_hit
        excess += file_excess
        if per_file and (flagged or risk):
            mark = "" if file_hit == risk and not file_excess else "  <--"
            print(f"  {path:<45} flagged {flagged:>3}  risk {risk:>3}  info {info:>3}  excess {file_excess}{mark}")
    print(f"{label}: risk recall {hit}/{total_risk} = {hit / total_risk:.3f}, excess lines {excess}")

if __name__ == "__main__":
    main()
