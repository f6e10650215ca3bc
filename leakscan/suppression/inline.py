"""Suppression: inline ignores, path allowlists, the confidence threshold.

Inline ignore comments honoured (on the finding's line unless noted):

- `leakscan:ignore`, or `leakscan:ignore=rule.id,other.id` for those rules only;
  `leakscan:ignore-next-line[=rule.id,...]` on the line before;
- detect-secrets: `pragma: allowlist secret`, and `pragma: allowlist nextline secret` on the line before;
- gitleaks: `gitleaks:allow`;
- TruffleHog: `trufflehog:ignore`;
- GitGuardian ggshield: `ggignore`;
- bandit and gosec: `nosec` (`# nosec`, `#nosec`, `// #nosec`); with rule codes it hides a finding only
  when one of them is a hardcoded-credential check (bandit B105, B106, B107; gosec G101), so
  `# nosec B608` (an SQL check) does not hide a token on its line.
"""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

from leakscan.model import Finding

# The codes of other linters' hardcoded-credential checks: a scoped `nosec` naming one of them is about secrets.
NOSEC_CREDENTIAL_CODES = frozenset({"B105", "B106", "B107", "G101"})

_IGNORE = re.compile(r"leakscan:ignore(?!-next-line)(?:=([\w.,\-]+))?|pragma:\s*allowlist[ -]secret")
_IGNORE_NEXT = re.compile(r"leakscan:ignore-next-line(?:=([\w.,\-]+))?|pragma:\s*allowlist[ -]nextline[ -]secret")
# Other scanners' markers: anywhere on the line, as those scanners read them (a word, not part of a longer one).
_OTHER_SCANNERS = re.compile(r"(?<![\w-])(?:gitleaks:allow|trufflehog:ignore|ggignore)(?![\w-])")
# `nosec` as a comment word, optionally followed by codes: `# nosec`, `#nosec G101`, `# nosec: B105,B106`.
_NOSEC = re.compile(r"(?:#|//|/\*|--)\s*nosec\b:?((?:[\s,]+[A-Z]+\d+)*)")


def inline_ignored(rule_id: str, line: str, before: str) -> bool:
    return (_ignored_by(_IGNORE, line, rule_id) or _ignored_by(_IGNORE_NEXT, before, rule_id)
            or _other_scanner_ignored(line))


def _other_scanner_ignored(line: str) -> bool:
    if not line or ("allow" not in line and "ignore" not in line and "nosec" not in line):
        return False  # most lines hold none of the markers: skip the regexes
    if _OTHER_SCANNERS.search(line):
        return True
    for match in _NOSEC.finditer(line):
        codes = re.findall(r"[A-Z]+\d+", match.group(1))
        if not codes or NOSEC_CREDENTIAL_CODES.intersection(codes):
            return True
    return False


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
