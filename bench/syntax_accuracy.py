"""Recall and negative-flag rate per assignment syntax on a generated, labelled corpus.

    python bench/syntax_accuracy.py [--per-rule N] [--misses FAMILY] [--alarms] [--write DIR]

Every rule example's secret is rendered in each template of
tests/fixtures/syntax_templates.yaml (one file per example x template, see
tests/syntax_corpus.py); hand-written negatives come from
tests/fixtures/syntax_negatives.yaml. Secrets are never printed: misses show
the rule id, template and a masked value.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

from _common import REPO

sys.path.insert(0, str(REPO / "tests"))
from syntax_corpus import Sample, negatives, positives, reported  # noqa: E402  (tests/syntax_corpus.py)

from leakscan.config import Config  # noqa: E402
from leakscan.engine.context import Engine  # noqa: E402


def masked(value: str) -> str:
    return value[:4] + "…" if len(value) > 8 else "…"


def table(title: str, stats: dict[str, list[int]]) -> None:
    print(f"\n{title:<22} {'found':>12} {'recall':>7}")
    for name, (found, total) in sorted(stats.items()):
        print(f"{name:<22} {found:>5}/{total:<6} {found / total:>7.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-rule", type=int, default=2, help="examples per rule (0: all)")
    parser.add_argument("--misses", metavar="FAMILY", help="list misses of one family ('all' for every one)")
    parser.add_argument("--alarms", action="store_true", help="list flagged negatives")
    parser.add_argument("--write", metavar="DIR", help="also write the corpus as files")
    args = parser.parse_args()
    engine = Engine.build(Config())
    started = time.perf_counter()
    by_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_template: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[Sample] = []
    samples = list(positives(engine.rules, args.per_rule or None))
    for n, sample in enumerate(samples):
        hit = reported(sample, engine)
        for stats in (by_family[sample.template.family], by_template[sample.template.id], by_category[sample.category]):
            stats[0] += hit
            stats[1] += 1
        if not hit:
            misses.append(sample)
        if args.write:
            out = Path(args.write) / f"{n:06d}-{sample.template.id}" / sample.template.path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(sample.text, encoding="utf-8")
    neg_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    alarms: list[Sample] = []
    for sample in negatives():
        flagged = reported(sample, engine)
        neg_family[sample.template.family][0] += flagged
        neg_family[sample.template.family][1] += 1
        if flagged:
            alarms.append(sample)
    table("family", by_family)
    table("template", by_template)
    table("category (pack)", by_category)
    print(f"\n{'negatives by family':<22} {'flagged':>12} {'rate':>7}")
    for name, (flagged, total) in sorted(neg_family.items()):
        print(f"{name:<22} {flagged:>5}/{total:<6} {flagged / total:>7.3f}")
    found = sum(s[0] for s in by_family.values())
    flagged = sum(s[0] for s in neg_family.values())
    negs = sum(s[1] for s in neg_family.values())
    print(f"\nrecall: {found}/{len(samples)} = {found / len(samples):.3f}   worst family: "
          f"{min(by_family, key=lambda f: by_family[f][0] / by_family[f][1])}")
    print(f"negatives flagged: {flagged}/{negs} = {flagged / negs:.3f}")
    print(f"{len(samples) + negs} files in {time.perf_counter() - started:.1f} s")
    if args.misses:
        for s in misses:
            if args.misses in ("all", s.template.family, s.template.id):
                print(f"MISS  {s.template.id:<24} {s.rule_id:<45} {masked(s.value)}")
    if args.alarms:
        for s in alarms:
            print(f"ALARM {s.template.id:<24} {s.text.strip()[:90]!r}")


if __name__ == "__main__":
    main()
