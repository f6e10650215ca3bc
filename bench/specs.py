"""Spec scanner throughput: specs/s and MB/s over a directory, and one 20 MB spec.

    python bench/specs.py [DIR] [--runs N] [--big-mb 20] [--jobs N] [--yaml]

DIR defaults to the 567 APIs.guru specs in /work/shared/bench/openapi-specs.
Each run is the real CLI in a fresh process (`leakscan spec`, start-up and
rule loading included). The big spec is generated in a temporary directory:
an OpenAPI 3.0 JSON document of many paths and schemas with descriptions,
examples and a few sensitive properties, so every detector has work to do.
`--yaml` also times the same document as YAML (slower: libyaml composes
every node). Every spec in DIR must parse or become an `errors` entry.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, SHARED_BENCH, run_cli


def best_of(runs: int, args: list[str], jobs: int | None) -> tuple[float, float, dict]:
    run_cli(args, jobs)  # warm the page cache
    times, report = [], {}
    for _ in range(runs):
        elapsed, report = run_cli(args, jobs)
        times.append(elapsed)
    return min(times), statistics.median(times), report


def big_spec(target_bytes: int, seed: int = 7) -> dict:
    """A synthetic OpenAPI 3.0 document of about `target_bytes` as indented JSON."""
    rng = random.Random(seed)
    words = ["account", "order", "invoice", "item", "customer", "shipment", "refund", "payment", "price", "stock",
             "label", "note"]
    doc: dict = {"openapi": "3.0.3", "info": {"title": "Big", "version": "1"},
                 "servers": [{"url": "https://api.big-demo.io/v1"}], "paths": {},
                 "components": {"schemas": {}, "securitySchemes": {
                     "key": {"type": "apiKey", "in": "query", "name": "api_key"}}}}
    size, n = 0, 0
    while size < target_bytes:
        name = f"{rng.choice(words).title()}{n}"
        props = {f"{rng.choice(words)}_{i}": {"type": "string", "description": " ".join(rng.choices(words, k=12)),
                                               "example": f"{rng.choice(words)}-{rng.randrange(10**6)}"}
                 for i in range(18)}
        if n % 50 == 0:
            props["ssn"] = {"type": "string"}
        doc["components"]["schemas"][name] = {"type": "object", "properties": props}
        ref = {"$ref": f"#/components/schemas/{name}"}
        doc["paths"][f"/{name.lower()}/{{id}}"] = {
            "get": {"operationId": f"get{name}", "description": " ".join(rng.choices(words, k=30)),
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                                   {"name": "fields", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}},
                                  "404": {"description": "not found"}}},
            "put": {"requestBody": {"content": {"application/json": {"schema": ref}}},
                    "responses": {"204": {"description": "updated"}}},
        }
        n += 1
        if n % 100 == 0:
            size = len(json.dumps(doc, indent=2))
    return doc


def in_process(path: Path) -> float:
    """Seconds the spec scanner takes on one file, without CLI start-up and rule loading."""
    sys.path.insert(0, str(REPO))
    from leakscan.analyzers.spec.scanner import scan_spec
    from leakscan.config import Config
    from leakscan.engine.context import Engine
    from leakscan.model import Chunk, Origin

    engine = Engine.build(Config(jobs=1))
    text = path.read_text(encoding="utf-8")
    started = time.perf_counter()
    scan_spec(Chunk(text, Origin(kind="file", path=path.name, fs_path=str(path))), engine)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dir", nargs="?", default=str(SHARED_BENCH / "openapi-specs"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big-mb", type=float, default=20.0)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--yaml", action="store_true", help="also time the big spec as YAML")
    args = parser.parse_args()

    specs = [p for p in Path(args.dir).rglob("*") if p.is_file()]
    best, median, report = best_of(args.runs, ["spec", args.dir], args.jobs)
    stats = report["stats"]
    mb = stats["bytes"] / 1e6
    print(f"directory {args.dir}: {len(specs)} files, {mb:.1f} MB, runs {args.runs}, jobs {args.jobs or 'all'}")
    print(f"  leakscan spec: best {best:.2f}s median {median:.2f}s  {len(specs) / best:.1f} specs/s  "
          f"{mb / best:.1f} MB/s  findings {len(report['findings'])}  errors {stats['errors']}")
    unparsed = {e["path"] for e in report["errors"] if "not parsed" in e["message"] or "not an OpenAPI" in e["message"]}
    print(f"  scanned {stats['files']} of {len(specs)} files: {stats['files'] - len(unparsed)} parsed as specs, "
          f"{len(unparsed)} not (each an errors entry); {stats['errors']} error entries in all")
    for err in report["errors"][:10]:
        print(f"    error {err['path']}: {err['message']}")

    with tempfile.TemporaryDirectory() as tmp:
        doc = big_spec(int(args.big_mb * 1e6))
        big = Path(tmp) / "big-openapi.json"
        big.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        size = big.stat().st_size / 1e6
        best, median, report = best_of(args.runs, ["spec", str(big)], 1)
        print(f"one {size:.1f} MB JSON spec: leakscan spec best {best:.2f}s median {median:.2f}s "
              f"(scanner alone {in_process(big):.2f}s)  findings {len(report['findings'])}")
        if args.yaml:
            import yaml

            big_yaml = Path(tmp) / "big-openapi.yaml"
            big_yaml.write_text(yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=False), encoding="utf-8")
            ysize = big_yaml.stat().st_size / 1e6
            best, median, report = best_of(1, ["spec", str(big_yaml)], 1)
            print(f"the same as {ysize:.1f} MB YAML: leakscan spec {best:.2f}s  findings {len(report['findings'])}")


if __name__ == "__main__":
    main()
