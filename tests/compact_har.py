"""A one-line (compact) HAR of product listings, each entry's body full of sellers' emails.

The capture-scaling and mask-scaling tests both time it at two sizes: generated
here once, deterministic for a given number of entries.
"""
from __future__ import annotations

import json
import random
import string


def _word(rng: random.Random, n: int = 7) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def _entry(rng: random.Random, index: int) -> dict[str, object]:
    items = [{"sku": f"SKU-{rng.randrange(10 ** 8):08d}", "description": " ".join(_word(rng) for _ in range(40)),
              "seller": {"name": _word(rng).title(), "email": f"{_word(rng)}.{_word(rng)}@{_word(rng, 6)}mail.com"}}
             for _ in range(40)]
    body = json.dumps({"page": index, "items": items}, separators=(",", ":"))
    return {"startedDateTime": "2026-11-01T10:00:00.000Z", "time": 1,
            "request": {"method": "GET", "url": f"https://shop.test/api/products?page={index}", "httpVersion": "HTTP/2",
                        "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2", "headers": [], "cookies": [],
                         "content": {"size": len(body), "mimeType": "application/json", "text": body},
                         "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
            "cache": {}, "timings": {"send": 1, "wait": 1, "receive": 1}}


def compact_har(entries: int) -> str:
    rng = random.Random(entries)
    har = {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
                   "entries": [_entry(rng, i) for i in range(entries)]}}
    return json.dumps(har, separators=(",", ":"))
