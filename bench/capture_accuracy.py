"""Precision and recall of the capture scanner on the labelled fixtures.

    python bench/capture_accuracy.py [-v]

tests/fixtures/captures/labels.json labels every value that must be reported
(category and place: a JSON pointer, or a line in a text capture); everything
else in those files must stay silent (masked values, Luhn-failing ids, test
cards, placeholder domains, generic error bodies...). The fixtures are copied
out of tests/ first, so the "in tests" path demotion does not apply, as for a
user's own captures. A label counts as found when a finding of its category
is at its place or lists it in `also_at`; a finding that matches no label is a
false positive. Key `"X --spec Y.yaml"` runs X against the spec Y.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO

sys.path.insert(0, str(REPO / "tests"))
from capture_labels import judge  # noqa: E402  (tests/capture_labels.py, shared with the tests)

FIXTURES = REPO / "tests" / "fixtures" / "captures"


def scan(workdir: Path, name: str) -> list[dict]:
    target, _, spec = name.partition(" --spec ")
    cmd = [sys.executable, "-m", "leakscan", "scan", str(workdir / target), "--format", "json", "--no-progress"]
    if spec:
        cmd += ["--spec", str(workdir / spec)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan of {name} failed: {proc.stderr}")
    findings = json.loads(proc.stdout)["findings"]
    if spec:  # the spec run is judged on what the spec adds
        findings = [f for f in findings if f["rule_id"].startswith("capture.spec.")]
    return findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and false positives")
    args = parser.parse_args()
    labels = json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
    total_tp = total_fp = total_found = total_labels = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "captures"
        shutil.copytree(FIXTURES, work)
        print(f"{'fixture':<45} {'labels':>6} {'found':>6} {'findings':>8} {'false+':>6}")
        for name, expected in labels.items():
            findings = scan(work, name)
            result = judge(findings, expected)
            tp = len(findings) - len(result.false_positives)
            total_tp, total_fp = total_tp + tp, total_fp + len(result.false_positives)
            total_found, total_labels = total_found + len(result.found), total_labels + len(expected)
            print(f"{name:<45} {len(expected):>6} {len(result.found):>6} {len(findings):>8} "
                  f"{len(result.false_positives):>6}")
            if args.verbose:
                for label in result.missed:
                    print(f"    missed: {label['category']} at {label['place']} ({label['what']})")
                for f in result.false_positives:
                    print(f"    false positive: {f['rule_id']} at {f['location']['pointer'] or f['location']['line']}")
    precision = total_tp / (total_tp + total_fp) if total_tp + total_fp else 1.0
    recall = total_found / total_labels if total_labels else 1.0
    print(f"precision {precision:.3f}  recall {recall:.3f}  ({total_found}/{total_labels} labels, "
          f"{total_fp} false positive(s) of {total_tp + total_fp} findings)")


if __name__ == "__main__":
    main()
