"""API inventory of the public HAR samples: endpoints, hosts, data classes and exposure findings per file.

    python bench/inventory.py [--dir ../shared/bench/har-samples] [--json] [--overhead-mb 8]

Every .har under the folder is scanned as `leakscan inventory FILE` does it (the
scan's findings put back on the entries), in this process with one engine. A
sample whose HAR cannot be read as one (the deliberately broken files) shows 0
endpoints and its error count. Exits 0 with a note when the folder is absent.

`--overhead-mb N` also prints what the exposure checks cost: CPU seconds of
the HAR scanner alone and with the checks, best of 3, on the deterministic
HAR `bench/captures.py` generates (N MB, in /tmp).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from _common import SHARED_BENCH

from leakscan.analyzers.traffic.inventory import report_endpoints
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.tree import scan_paths


def sample_row(path: Path, root: Path, engine: Engine) -> dict[str, object]:
    started = time.perf_counter()
    report = scan_paths([str(path)], engine)
    endpoints = report_endpoints([str(path)], report, engine.config)
    classes = Counter(c for e in endpoints for c in e.data_classes)
    return {
        "sample": str(path.relative_to(root)),
        "endpoints": len(endpoints),
        "hosts": len({e.host for e in endpoints}),
        "calls": sum(e.calls for e in endpoints),
        "data_classes": dict(sorted(classes.items())),
        "auth": dict(sorted(Counter(a for e in endpoints for a in e.auth).items())),
        "exposure": dict(sorted(Counter(f.rule_id for f in report.findings if f.category == "exposure").items())),
        "errors": len(report.errors),
        "seconds": round(time.perf_counter() - started, 2),
    }


def overhead(size_mb: int) -> str:
    import os
    import tempfile

    from captures import generate

    from leakscan.analyzers.registry import document_scanner_for
    from leakscan.model import Chunk, Origin

    path = os.path.join(tempfile.gettempdir(), f"leakscan-bench-{size_mb}mb.har")
    if not os.path.exists(path):
        generate(path, size_mb)
    text = Path(path).read_text(encoding="utf-8")
    engine = Engine.build(Config(jobs=1))
    chunk = Chunk(text, Origin(kind="file", path="capture.har"))
    scanner = document_scanner_for("capture.har", text)
    inner = getattr(scanner, "inner", scanner)  # the plain HAR scanner the traffic scanner wraps
    plain = checked = float("inf")
    for _ in range(3):
        started = time.process_time()
        inner.scan(chunk, engine)
        plain = min(plain, time.process_time() - started)
        started = time.process_time()
        result = scanner.scan(chunk, engine)  # type: ignore[union-attr]
        checked = min(checked, time.process_time() - started)
    found = sum(1 for c in result.candidates if c.rule.category == "exposure" and c.rule.id.startswith("exposure."))
    return (f"{len(text) / 1e6:.1f} MB generated HAR: HAR scan {plain:.2f} s CPU, with exposure checks "
            f"{checked:.2f} s (+{(checked - plain) / plain:.0%}); {found} exposure candidates")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=SHARED_BENCH / "har-samples")
    parser.add_argument("--json", action="store_true", help="One JSON object per sample instead of the table.")
    parser.add_argument("--overhead-mb", type=int, default=0, help="Also time the exposure checks on a generated HAR.")
    args = parser.parse_args()
    if args.overhead_mb:
        print(overhead(args.overhead_mb))
    if not args.dir.is_dir():
        print(f"no HAR samples at {args.dir}: nothing to measure")
        return 0
    engine = Engine.build(Config(jobs=1))
    rows = [sample_row(p, args.dir, engine) for p in sorted(args.dir.rglob("*.har"))]
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(f"{'sample':<62} {'endp':>4} {'hosts':>5} {'calls':>5} {'err':>3}  data classes / exposure findings")
    for row in rows:
        classes = ", ".join(f"{k} {v}" for k, v in row["data_classes"].items()) or "-"  # type: ignore[attr-defined]
        exposure = ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in row["exposure"].items())  # type: ignore[attr-defined]
        print(f"{row['sample']:<62} {row['endpoints']:>4} {row['hosts']:>5} {row['calls']:>5} {row['errors']:>3}  "
              f"{classes}" + (f" | {exposure}" if exposure else ""))
    total = Counter()  # type: ignore[var-annotated]
    for row in rows:
        total.update(row["data_classes"])  # type: ignore[arg-type]
    print(f"{len(rows)} samples, {sum(r['endpoints'] for r in rows)} endpoints "  # type: ignore[misc]
          f"on {sum(r['hosts'] for r in rows)} hosts; data classes: "  # type: ignore[misc]
          f"{', '.join(f'{k} {v}' for k, v in sorted(total.items())) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
