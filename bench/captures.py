"""Capture-scan speed and memory: MB/s and peak RSS of `leakscan scan` on a ~200 MB HAR.

    python bench/captures.py [--size-mb 200] [--runs 2] [--keep]

The HAR is generated in /tmp (deterministic: same seed, same file): browser-like
entries with 15-25 headers, cookies, query strings, JSON API responses of a few
KB, HTML pages, base64 images and, in about one entry in fifty, a planted
token, card number, email or stack trace. Each run is the real CLI in a fresh
process (start-up and rule loading included), with --max-file-size raised so
the file is not skipped. Peak memory is the child's maximum resident set size.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import random
import string
import subprocess
import sys
import tempfile
import time

from _common import REPO, child_usage, measured

HEADERS = ["Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Connection", "DNT", "Pragma",
           "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Upgrade-Insecure-Requests", "User-Agent",
           "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "X-Request-Id", "Origin", "If-None-Match"]
RESPONSE_HEADERS = ["Content-Type", "Cache-Control", "Date", "ETag", "Vary", "Strict-Transport-Security",
                    "X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "Age", "Via"]


def _word(rng: random.Random, n: int = 8) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def _token(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def _json_body(rng: random.Random, plant: bool) -> str:
    users = [{"id": rng.randrange(10 ** 6), "name": f"{_word(rng).title()} {_word(rng).title()}",
              "email": f"{_word(rng, 1)}***@{_word(rng)}.com", "created_at": "2024-05-01T10:00:00Z",
              "plan": rng.choice(["free", "pro", "team"]), "tags": [_word(rng) for _ in range(4)],
              "stats": {"orders": rng.randrange(100), "spent": round(rng.random() * 1000, 2)},
              "bio": " ".join(_word(rng) for _ in range(rng.randrange(10, 40)))} for _ in range(rng.randrange(3, 12))]
    body = {"data": users, "page": rng.randrange(50), "next": f"/v2/users?page={rng.randrange(50)}"}
    if plant:
        body["debug"] = rng.choice([
            {"email": f"{_word(rng)}.{_word(rng)}@corpmail.net"},
            {"card_number": "4539 7877 8932 8790"},
            {"trace": "java.lang.IllegalStateException: boom\n\tat com.x.A.b(A.java:1)\n\tat com.x.C.d(C.java:2)"},
            {"access_token": _token(rng, 40)},
        ])
    return json.dumps(body)


def _entry(rng: random.Random, index: int) -> dict:
    plant = rng.random() < 0.02
    kind = rng.random()
    host = rng.choice(["api.shopfront.io", "www.shopfront.io", "static.shopfront.io", "cdn.example.net"])
    url = f"https://{host}/v2/{_word(rng)}/{rng.randrange(10 ** 5)}?page={rng.randrange(9)}&sort={_word(rng, 4)}"
    if plant and rng.random() < 0.3:
        url += f"&access_token={_token(rng, 40)}"
    headers = [{"name": h, "value": _word(rng, rng.randrange(8, 60))}
               for h in rng.sample(HEADERS, rng.randrange(12, 18))]
    headers.append({"name": "Cookie",
                    "value": f"_ga=GA1.2.{rng.randrange(10 ** 9)}.{rng.randrange(10 ** 9)}; theme=dark"})
    if plant:
        headers.append({"name": "Authorization", "value": "Bearer " + _token(rng, 48)})
    if kind < 0.6:
        content = {"mimeType": "application/json", "text": _json_body(rng, plant)}
    elif kind < 0.85:
        content = {"mimeType": "text/html", "text": "<html><body>" + "".join(
            f"<p>{' '.join(_word(rng) for _ in range(20))}</p>" for _ in range(rng.randrange(5, 25)))
            + "</body></html>"}
    else:
        image = bytes(rng.randrange(256) for _ in range(rng.randrange(1000, 6000)))
        content = {"mimeType": "image/png", "encoding": "base64", "text": base64.b64encode(image).decode()}
    content["size"] = len(content["text"])
    return {"startedDateTime": "2024-05-01T10:00:00.000Z", "time": rng.random() * 300,
            "request": {"method": rng.choice(["GET", "GET", "GET", "POST"]), "url": url, "httpVersion": "HTTP/2",
                        "headers": headers, "queryString": [{"name": "page", "value": "1"}], "cookies": [],
                        "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
                         "headers": [{"name": h, "value": _word(rng, 20)} for h in RESPONSE_HEADERS],
                         "cookies": [], "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
            "cache": {}, "timings": {"send": 0.1, "wait": 20.0, "receive": 1.0}}


def generate(path: str, size_mb: int, seed: int = 7) -> int:
    """Write the HAR entry by entry (the generator itself stays small); returns the entry count."""
    rng = random.Random(seed)
    target = size_mb * 1024 * 1024
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "entries": [\n')
        while out.tell() < target:
            out.write(("," if count else "") + json.dumps(_entry(rng, count), indent=1) + "\n")
            count += 1
        out.write("]}}\n")
    return count


def run_once(path: str, hyperscan: bool) -> tuple[float, int, dict]:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        cmd = [sys.executable, "-m", "leakscan", "scan", path, "--format", "json", "--no-progress", "-o", report.name,
               "--max-file-size", str(2 ** 31)]
        if not hyperscan:
            cmd.append("--no-hyperscan")
        with tempfile.NamedTemporaryFile(suffix=".usage") as usage:
            started = time.perf_counter()
            proc = subprocess.run(measured(usage.name, cmd), cwd=REPO, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            rss_kb = child_usage(usage.name)[1]
        if proc.returncode not in (0, 1):
            raise SystemExit(f"scan failed ({proc.returncode}): {proc.stderr.strip()}")
        return elapsed, rss_kb, json.load(open(report.name, encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the generated HAR")
    parser.add_argument("--prefilter", choices=["hyperscan", "keywords", "both"], default="hyperscan")
    args = parser.parse_args()
    path = os.path.join(tempfile.gettempdir(), f"leakscan-bench-{args.size_mb}mb.har")
    if not os.path.exists(path):
        entries = generate(path, args.size_mb)
        print(f"generated {path}: {entries} entries")
    size_mb = os.path.getsize(path) / 1e6
    print(f"capture: {path}  {size_mb:.1f} MB  runs: {args.runs}")
    modes = ["hyperscan", "keywords"] if args.prefilter == "both" else [args.prefilter]
    for mode in modes:
        best, peak, report = float("inf"), 0, {}
        for _ in range(args.runs):
            elapsed, rss_kb, report = run_once(path, mode == "hyperscan")
            best, peak = min(best, elapsed), max(peak, rss_kb)
        cats: dict[str, int] = {}
        for f in report["findings"]:
            cats[f["category"]] = cats.get(f["category"], 0) + 1
        print(f"{mode:<10} best {best:6.1f}s  {size_mb / best:6.1f} MB/s  peak RSS {peak / 1024:7.0f} MB  "
              f"findings {len(report['findings'])} {cats}  errors {report['stats']['errors']}")
    if not args.keep:
        os.unlink(path)


if __name__ == "__main__":
    main()
