"""Suppression: inline ignores, path allowlists, the confidence threshold."""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

from leakscan.model import Finding

# `leakscan:ignore` (optionally `leakscan:ignore=rule.id,other.id`) on the line,
# detect-secrets' `pragma: allowlist secret` on the line, or either
# `leakscan:ignore-next-line` / `pragma: allowlist nextline secret` on the line before.
_IGNORE = re.compile(r"leakscan:ignore(?!-next-line)(?:=([\w.,\-]+))?|pragma:\s*allowlist[ -]secret")
_IGNORE_NEXT = re.compile(r"leakscan:ignore-next-line(?:=([\w.,\-]+))?|pragma:\s*allowlist[ -]nextline[ -]secret")


def inline_ignored(rule_id: str, line: str, before: str) -> bool:
    return _ignored_by(_IGNORE, line, rule_id) or _ignored_by(_IGNORE_NEXT, before, rule_id)


def _ignored_by(pattern: re.Pattern[str], text: str, rule_id: str) -> bool:
    if not text:
        return False
    m = pattern.search(text)
    if not m:
        return False
    scoped = m.group(1) if m.lastindex else None
    return scoped is None or rule_id in scoped.split(",")


def path_allowed(path: str, allow_globs: Iterable[str]) -> bool:
    base = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(path, g) or fnmatch.fnmatchcase(base, g) for g in allow_globs)


def above_threshold(findings: Iterable[Finding], min_confidence: float) -> list[Finding]:
    return [f for f in findings if f.confidence >= min_confidence]
