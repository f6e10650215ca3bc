"""Finding fingerprints: stable identities for baselines and SARIF, never a way back to the value.

A fingerprint is published in JSON, SARIF and baselines next to a mask that
may keep the last four digits. Hashing a low-entropy value (an SSN, a card,
a short password) with no secret would let anyone recover it by trying every
value that fits the mask, so:

- with `LEAKSCAN_FINGERPRINT_KEY` set, every fingerprint is
  `hmac-sha256:` HMAC-SHA256 under that key over rule, path and the value's
  hash: stable across line moves and not reversible without the key;
- without a key, a high-entropy secret keeps `sha256:` over rule, path and
  the value's hash (the format earlier versions wrote, so existing baselines
  keep matching), and a low-entropy value (category `pii`, or a secret
  shorter than MIN_VALUE_LENGTH or with under MIN_VALUE_BITS of estimated
  entropy) gets `sha256:` over rule, path and its place (pointer or line),
  never the value.
"""
from __future__ import annotations

import hashlib
import hmac
import os

from leakscan.engine.entropy import shannon_entropy

KEY_ENV = "LEAKSCAN_FINGERPRINT_KEY"
MIN_VALUE_LENGTH = 12
MIN_VALUE_BITS = 48.0  # length × Shannon bits per character, a rough guessing-cost estimate
PLACE_CATEGORIES = frozenset({"pii"})


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def fingerprint_key() -> bytes | None:
    """The key from the environment, or None (read on each call: tests and CI may set it late)."""
    key = os.environ.get(KEY_ENV, "")
    return key.encode("utf-8") if key else None


def is_guessable(category: str, secret: str) -> bool:
    """Could the value be recovered by trying candidates against a plain hash of it?"""
    if category in PLACE_CATEGORIES:
        return True
    return len(secret) < MIN_VALUE_LENGTH or shannon_entropy(secret) * len(secret) < MIN_VALUE_BITS


def value_fingerprint(rule_id: str, path: str, digest: str) -> str:
    """Rule, path and the value's hash: survives lines moving (the format of leakscan ≤ this change)."""
    return "sha256:" + hashlib.sha256(f"{rule_id}\0{path}\0{digest}".encode()).hexdigest()


def place_fingerprint(rule_id: str, path: str, place: str) -> str:
    """Rule, path and place only: changing the value alone does not change it."""
    return "sha256:" + hashlib.sha256(f"place\0{rule_id}\0{path}\0{place}".encode()).hexdigest()


def keyed_fingerprint(key: bytes, rule_id: str, path: str, digest: str) -> str:
    return "hmac-sha256:" + hmac.new(key, f"{rule_id}\0{path}\0{digest}".encode(), hashlib.sha256).hexdigest()


def place_of(pointer: str | None, line: int | None) -> str:
    """The pointer in a structured file (stable when other lines change), else the line."""
    return f"pointer:{pointer}" if pointer else f"line:{line or 0}"


def fingerprint(rule_id: str, category: str, path: str, secret: str, place: str,
                key: bytes | None = None) -> str:
    digest = secret_hash(secret)
    if key:
        return keyed_fingerprint(key, rule_id, path, digest)
    if is_guessable(category, secret):
        return place_fingerprint(rule_id, path, place)
    return value_fingerprint(rule_id, path, digest)
