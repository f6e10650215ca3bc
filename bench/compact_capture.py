"""Compact captures: a HAR written on one line, with large product-listing bodies full of emails.

    python bench/compact_capture.py [--entries 4000] [--slices 100,200,400] [--runs 1] [--mask]

Most tools and loggers write HAR and JSON without indentation: the whole
capture is one line. This benchmark generates such a HAR in /tmp
(deterministic), about 27 KB an entry (4,000 entries: about 110 MB,
roughly 40 emails an entry), and scans slices of it with the real CLI, one
fresh process each. It prints, for each slice: entries, MB, wall and CPU
seconds (CPU is what other load on the machine does not inflate), MB/s,
findings and peak RSS; then the ratio of CPU seconds per entry between the
largest and the smallest slice (1.0 is linear; a quadratic scan doubles it
with every doubling of the input). Where `gitleaks`, `betterleaks` or
`kingfisher` is on PATH, each scans the largest file as plain text in the same
run, and the ratio of leakscan's wall and CPU seconds to the peer's is printed
(Kingfisher with `--no-validate --no-update-check`: no network).
With `--mask`, `leakscan mask` writes a masked copy of each slice too (it scans
the file, rewrites every key and string, and scans the copy again), and the
same per-entry ratio is printed for it.
`PYTHONPATH=/tmp/site-old python bench/compact_capture.py` measures that
build instead of the checkout (the CLI runs with `python -P`).
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import string
import subprocess
import tempfile
import time
from pathlib import Path

from _common import REPO, child_usage, leakscan_command, measured

WORK = Path(tempfile.gettempdir()) / "leakscan-bench-compact"


def _word(rng: random.Random, n: int = 7) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def _product(rng: random.Random) -> dict[str, object]:
    return {
        "sku": f"SKU-{rng.randrange(10 ** 8):08d}", "title": " ".join(_word(rng) for _ in range(5)).title(),
        "price": {"amount": round(rng.random() * 500, 2), "currency": "EUR"},
        "seller": {"name": f"{_word(rng).title()} {_word(rng).title()}",
                   "email": f"{_word(rng)}.{_word(rng)}@{_word(rng, 6)}mail.com",
                   "rating": round(rng.random() * 5, 1)},
        "description": " ".join(_word(rng) for _ in range(rng.randrange(20, 60))),
        "images": [f"https://cdn.shop.example/{_word(rng, 12)}.jpg" for _ in range(3)],
        "stock": rng.randrange(0, 400),
    }


def _entry(rng: random.Random, index: int) -> dict[str, object]:
    body = json.dumps({"page": index, "items": [_product(rng) for _ in range(40)]}, separators=(",", ":"))
    return {
        "startedDateTime": "2026-11-01T10:00:00.000Z", "time": 42,
        "request": {"method": "GET", "url": f"https://shop.example/api/v2/products?page={index}&size=40",
                    "httpVersion": "HTTP/2", "headers": [{"name": "Accept", "value": "application/json"},
                                                         {"name": "User-Agent", "value": "Mozilla/5.0"}],
                    "queryString": [{"name": "page", "value": str(index)}, {"name": "size", "value": "40"}],
                    "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
                     "headers": [{"name": "Content-Type", "value": "application/json"}], "cookies": [],
                     "content": {"size": len(body), "mimeType": "application/json", "text": body},
                     "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
        "cache": {}, "timings": {"send": 1, "wait": 40, "receive": 1},
    }


def generate(entries: int) -> Path:
    """One-line HAR of ENTRIES entries (cached in /tmp by entry count)."""
    WORK.mkdir(exist_ok=True)
    path = WORK / f"compact-{entries}.har"
    if not path.exists():
        rng = random.Random(20)
        har = {"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"},
                       "entries": [_entry(rng, i) for i in range(entries)]}}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(har, separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)
    return path


FOUND_EXIT = (0, 1, 200, 205)  # Kingfisher exits 200 (205: validated) when it reports findings


def run(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one command in a fresh process."""
    with tempfile.NamedTemporaryFile(suffix=".usage") as usage:
        started = time.perf_counter()
        proc = subprocess.run(measured(usage.name, cmd), cwd=REPO, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if proc.returncode not in FOUND_EXIT:
            raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
        cpu, rss_kb = child_usage(usage.name)  # load on the machine aside
    return elapsed, cpu, rss_kb // 1024


def scan(path: Path) -> tuple[float, float, int, int]:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        cmd = [*leakscan_command(), "scan", str(path), "--format", "json", "--no-progress", "-o", report.name,
               "--max-file-size", str(path.stat().st_size + 1)]
        elapsed, cpu, rss = run(cmd)
        return elapsed, cpu, rss, _findings_in(Path(report.name))


def mask(path: Path) -> tuple[float, float, int]:
    """`leakscan mask` of the file into a scratch copy: wall, CPU seconds and peak RSS (MB). (A file named
    to `mask` is read whatever its size: it has no --max-file-size.)"""
    with tempfile.NamedTemporaryFile(suffix=".har") as copy:
        return run([*leakscan_command(), "mask", str(path), "-o", copy.name])


def _findings_in(report: Path) -> int:
    """Findings in a JSON report, counted line by line (a 4,000-entry report is 190 MB of JSON): each
    finding's `rule_id` is the first member of an object two levels in."""
    with report.open(encoding="utf-8") as lines:
        return sum(1 for line in lines if line.startswith('      "rule_id": '))


def peers(path: Path, ours: tuple[float, float]) -> None:
    """Each installed peer on PATH (wall and CPU seconds, leakscan's OURS over them)."""
    for name, args in (("gitleaks", ["dir", "--no-banner", "--exit-code", "0", "--max-target-megabytes", "0"]),
                       ("betterleaks", ["dir", "--no-banner", "--exit-code", "0"]),
                       ("kingfisher", ["scan", "--no-validate", "--no-update-check", "--format", "json"])):
        binary = shutil.which(name)
        if binary:
            elapsed, cpu, rss = run([binary, *args, str(path)])
            print(f"  {name:<11} {elapsed:8.2f} s  CPU {cpu:8.2f} s  peak RSS {rss} MB  "
                  f"leakscan / {name}: {ours[0] / elapsed:.1f}x wall, {ours[1] / cpu:.1f}x CPU")
        else:
            print(f"  {name:<11} not installed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=4000)
    parser.add_argument("--slices", default="100,200,400")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--mask", action="store_true", help="time `leakscan mask` of each slice too")
    args = parser.parse_args()
    sizes = sorted({*(int(s) for s in args.slices.split(",") if s), args.entries})
    per_entry, largest = {}, (0.0, 0.0)
    for entries in sizes:
        path = generate(entries)
        mb = path.stat().st_size / 1e6
        best = min((scan(path) for _ in range(args.runs)), key=lambda r: r[1])
        seconds, cpu, rss, findings = best
        per_entry[entries], largest = cpu / entries, (seconds, cpu)
        print(f"entries {entries:6d}  {mb:8.1f} MB  {seconds:8.2f} s  CPU {cpu:8.2f} s  {mb / seconds:7.1f} MB/s  "
              f"findings {findings:7d}  peak RSS {rss} MB ({rss / mb:.1f}x the file)", flush=True)
    low, high = sizes[0], sizes[-1]
    print(f"CPU seconds per entry, {high} vs {low} entries: {per_entry[high] / per_entry[low]:.2f}x "
          "(1.0 is linear; start-up weighs on the smallest)")
    if args.mask:
        _masks(sizes)
    if not args.no_peers:
        print(f"peers on the {high}-entry file as plain text:")
        peers(generate(high), largest)


def _masks(sizes: list[int]) -> None:
    per_entry = {}
    for entries in sizes:
        path = generate(entries)
        mb = path.stat().st_size / 1e6
        seconds, cpu, rss = mask(path)
        per_entry[entries] = cpu / entries
        print(f"mask {entries:6d}  {mb:8.1f} MB  {seconds:8.2f} s  CPU {cpu:8.2f} s  {mb / seconds:7.1f} MB/s  "
              f"peak RSS {rss} MB", flush=True)
    print(f"mask CPU seconds per entry, {sizes[-1]} vs {sizes[0]} entries: "
          f"{per_entry[sizes[-1]] / per_entry[sizes[0]]:.2f}x")


if __name__ == "__main__":
    main()
