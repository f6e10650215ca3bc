"""Recall and false alarms on Nosey Parker's rule examples, each scanned on its own.

    python bench/noseyparker.py [--misses] [--false-alarms] [--no-hyperscan]

A `match` example counts as found when leakscan reports a secret or url-token
finding at or above the default threshold in it; a `no-match` example should
give no finding (README of ../shared/bench).
"""
from __future__ import annotations

import argparse
import hashlib
import json
from collections import defaultdict
from pathlib import Path

import yaml
from _common import SHARED_BENCH, shorten

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk

COUNTED = ("secret", "url-token")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", default=str(SHARED_BENCH / "rule-examples" / "noseyparker.jsonl"))
    parser.add_argument("--misses", action="store_true", help="list missed examples")
    parser.add_argument("--false-alarms", action="store_true", help="list flagged negative examples")
    parser.add_argument("--no-hyperscan", action="store_true")
    args = parser.parse_args()
    engine = Engine.build(Config(use_hyperscan=False if args.no_hyperscan else None))
    per_name: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # found, total, flagged, negatives
    misses, alarms = [], []
    audit_file = Path(__file__).with_name("noseyparker_audit.yaml")
    audit = yaml.safe_load(audit_file.read_text())
    audited = {item["sha256"]: item["reason"] for item in audit["real_secrets_of_another_kind"]}
    identifiers = set(audit["identifier_rules"])
    audited_alarms = 0
    with open(args.file, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    for row in rows:
        findings, _ = scan_chunk(Chunk(row["text"], Origin(kind="example", path="example.txt")), engine)
        hit = [f for f in findings if f.category in COUNTED]
        stats = per_name[row["name"]]
        if row["expect"] == "match":
            stats[1] += 1
            stats[0] += bool(hit)
            if not hit:
                misses.append(row)
        else:
            stats[3] += 1
            stats[2] += bool(findings)
            if findings:
                alarms.append((row, [f.rule_id for f in findings]))
                audited_alarms += hashlib.sha256(row["text"].encode()).hexdigest() not in audited
    found = sum(s[0] for s in per_name.values())
    total = sum(s[1] for s in per_name.values())
    flagged = sum(s[2] for s in per_name.values())
    negatives = sum(s[3] for s in per_name.values())
    if args.misses:
        for row in misses:
            print(f"MISS  {row['name']:<45} {shorten(row['text'])}")
    if args.false_alarms:
        for row, ids in alarms:
            print(f"ALARM {row['name']:<45} {','.join(ids):<30} {shorten(row['text'])}")
    weak = sorted((n, s) for n, s in per_name.items() if s[1] and s[0] < s[1])
    for name, s in weak:
        print(f"  {name:<55} {s[0]}/{s[1]}")
    print(f"prefilter: {engine.matcher.prefilter_name}")
    print(f"recall: {found}/{total} = {found / total:.3f}")
    cred_found = sum(s[0] for n, s in per_name.items() if n not in identifiers)
    cred_total = sum(s[1] for n, s in per_name.items() if n not in identifiers)
    print(f"recall over credential examples (without Nosey Parker's identifier rules): "
          f"{cred_found}/{cred_total} = {cred_found / cred_total:.3f}")
    print(f"negatives flagged: {flagged}/{negatives} = {flagged / max(negatives, 1):.3f} (raw)")
    print(f"negatives flagged that are not real secrets of another kind: {audited_alarms}/{negatives} = "
          f"{audited_alarms / max(negatives, 1):.3f} (audited: bench/noseyparker_audit.yaml)")


if __name__ == "__main__":
    main()
