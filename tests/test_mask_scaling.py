"""Masking many values costs time in proportion to the document, not to values times strings.

The sanitizer (every string a report prints) and `leakscan mask` (every key and
string of the copy) once tried each value a document found on each string: a
JSON-lines log of 4,000 signups whose emails all begin `user0` took 17 s to
report and 19 s to mask, and a compact 3 MB HAR was not masked after 18
minutes. Each test compares the CPU cost per byte of two sizes of one generated
document, never absolute seconds.
"""
from __future__ import annotations

import json
import random
import string
import time
from collections.abc import Callable

from leakscan.cli.mask import mask_text
from leakscan.engine.context import Engine
from leakscan.masking.rewrite import Replacement, replace_in
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk

from .compact_har import compact_har

MAX_RATIO = 2.0  # a linear cost stays near 1.0; a quadratic one reaches 4.0 at four times the size


def _signups(records: int) -> str:
    """JSON lines whose emails share their first letters (`user00042.kqzxwv@…`), as a real sign-up log's do."""
    rng = random.Random(records)
    lines = []
    for i in range(records):
        word = "".join(rng.choices(string.ascii_lowercase, k=6))
        lines.append(json.dumps({"ts": f"2026-11-01T10:{i % 60:02d}:00Z", "event": "signup",
                                 "user": {"id": i, "email": f"user{i:05d}.{word}@{word[::-1]}mail.com"}}))
    return "\n".join(lines) + "\n"


def _assert_linear(run: Callable[[str], object], small: str, large: str) -> None:
    """CPU seconds per character of LARGE over those of SMALL (the best of three runs each) under MAX_RATIO."""
    def seconds(text: str) -> float:
        best = None
        for _ in range(3):  # (a run of a tenth of a second on a busy CI machine: one slow run is noise)
            started = time.process_time()
            run(text)
            took = time.process_time() - started
            best = took if best is None else min(best, took)
        assert best is not None
        return best
    ratio = (seconds(large) / len(large)) / (seconds(small) / len(small))
    assert ratio < MAX_RATIO, f"per-byte cost grew {ratio:.2f}x from {len(small)} to {len(large)} characters"


def test_a_log_of_emails_sharing_their_first_letters_is_reported_in_linear_time(engine: Engine) -> None:
    def scan(text: str) -> object:
        findings, _ = scan_chunk(Chunk(text, Origin(kind="file", path="signups.jsonl")), engine)
        assert len(findings) == text.count("\n")  # every email, its pointer sanitized
        return findings

    _assert_linear(scan, _signups(1000), _signups(4000))  # (large enough that each run takes a while)


def test_a_log_of_emails_sharing_their_first_letters_is_masked_in_linear_time(engine: Engine) -> None:
    def mask(text: str) -> object:
        result = mask_text(text, "signups.jsonl", engine, key=b"k" * 16)
        assert not result.remaining and result.plan.places == text.count("\n")
        assert "mail.com" in result.text and "user00001." not in result.text
        return result

    _assert_linear(mask, _signups(400), _signups(1600))


def test_a_compact_har_is_masked_in_linear_time(engine: Engine) -> None:
    def mask(text: str) -> object:
        result = mask_text(text, "capture.har", engine, key=b"k" * 16)
        copy = json.loads(result.text)  # still a HAR, on one line as it was
        assert not result.remaining and "\n" not in result.text.rstrip("\n")
        assert len(copy["log"]["entries"]) == text.count('"startedDateTime"')
        return result

    _assert_linear(mask, compact_har(3), compact_har(12))


def test_a_text_holding_thousands_of_values_is_rewritten_in_linear_time() -> None:
    """A raw HTTP dump is rewritten as text: each of its emails, in each form, replaced (a pass per
    form over the whole text made a 1 MB dump of 16,000 emails cost 16,000 passes)."""
    def rewrite(text: str) -> object:
        emails = [line.split('"email": "')[1].split('"')[0] for line in text.splitlines()]
        reps = [Replacement(email, f"{email[0]}***@{email.split('@')[1]}", "pii") for email in emails]
        copy = replace_in(text, reps)
        assert "user00001." not in copy and copy.count("***@") == len(emails)
        return copy

    # (Both sizes begin their emails more ways than a few hundred: fewer first characters are each looked for
    # by `in`, a cheaper algorithm for them, and a smaller size would time that one against this.)
    _assert_linear(rewrite, _signups(4000), _signups(16000))
