"""The rules-and-config hash: findings computed under another one are never reused."""
from __future__ import annotations

import hashlib
from dataclasses import fields
from pathlib import Path

from leakscan import __version__
from leakscan.engine.context import Engine

# What changes how a scan runs but never what it finds.
_NOT_RESULTS = frozenset({"jobs", "progress", "show_secrets"})


def scan_identity(engine: Engine) -> str:
    """Everything a finding depends on besides the content: every rule as loaded, the settings,
    the files the settings name (baseline, spec), and leakscan's own code (version and every
    module's bytes, so an edited checkout never reuses stale findings)."""
    digest = hashlib.sha256(f"leakscan {__version__}\n".encode())
    for rule in sorted(engine.rules, key=lambda r: r.id):
        digest.update(repr(rule).encode())
    config = engine.config
    for item in fields(config):
        if item.name not in _NOT_RESULTS:
            digest.update(f"{item.name}={getattr(config, item.name)!r}\n".encode())
    for named in (config.baseline, config.capture_spec):
        if named:
            digest.update(_file_digest(named))
    digest.update(_code_digest())
    return digest.hexdigest()


def _file_digest(path: str) -> bytes:
    try:
        return hashlib.sha256(Path(path).read_bytes()).digest()
    except OSError:
        return b"unreadable"


def _code_digest() -> bytes:
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(f"{path.relative_to(root)}\n".encode())
        digest.update(_file_digest(str(path)))
    return digest.digest()
