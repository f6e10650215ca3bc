"""Confidence: the rule's base score moved by evidence, every move a reason."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from leakscan.engine.entropy import shannon_entropy
from leakscan.engine.filters import FILTERS, is_lock_file
from leakscan.engine.placeholders import demo_value_reason, placeholder_reason
from leakscan.engine.validators import VALIDATOR_LABELS, VALIDATORS, failure_reason
from leakscan.model import Adjustment, Candidate

VALIDATED_FLOOR = 0.97
VALIDATOR_FAIL = -0.6
LOW_ENTROPY = -0.4  # from a 0.85 base this lands below the default threshold
PLACEHOLDER = -0.6
DEMO_VALUE = -0.1
FILTERED = -0.5
CONTEXT_WORD = 0.05
TEST_OR_DOC_PATH = -0.1
LOCKFILE = -0.5
CONFIG_FILE = 0.1
SHORT_TEST_VALUE = -0.3  # from a 0.8 password rule in tests (-0.1) this lands below the threshold
SOURCE_NOT_PAYLOAD = -0.3  # a 0.7 SQL-error rule in source code lands below the threshold
SHORT_VALUE_LEN = 8
# Values a placeholder can stand in for: credentials, and the identifiers named beside them (AKIA...EXAMPLE).
_CREDENTIAL_LIKE = ("secret", "url-token", "identifier")

# Paths whose content is usually fixtures, docs or examples rather than config.
_TEST_OR_DOC = re.compile(
    r"(^|/)(tests?|testing|spec|specs|__tests__|testdata|test_data|fixtures?|examples?|samples?|docs?|"
    r"documentation|mocks?)(/|$)|(^|/)test_[^/]*$|_test\.[a-z]+$|\.(test|spec)\.[a-z]+$|\.(md|rst|adoc)$",
    re.I,
)


# Environment, shell-profile, ini-style and credential files: a credential
# assignment here configures something real far more often than in code.
_CONFIG_FILE = re.compile(
    r"(^|/)(\.env(\.[\w.-]+)?|[\w.-]+\.env|\.(bash_profile|bashrc|zshrc|zprofile|profile|kshrc|cshrc|zshenv)|"
    r"\.netrc|_netrc|\.pgpass|\.npmrc|\.pypirc|\.git-credentials|\.s3cfg|\.dockercfg|\.esmtprc|\.muttrc|"
    r"credentials|[\w.-]+\.(ini|cfg|conf|cnf|properties|tfvars|env))$",
    re.I,
)


# Files programs write credentials into (saved connections, auth stores).
_CREDENTIAL_STORE = re.compile(
    r"(^|/)(\.pgpass|\.netrc|_netrc|\.git-credentials|\.esmtprc|\.fetchmailrc|\.my\.cnf|\.s3cfg|\.dockercfg|"
    r"\.docker/config\.json|\.npmrc|\.pypirc|credentials|[\w-]*data-sources\.(xml|json)|recentservers\.xml|"
    r"sitemanager\.xml|filezilla\.xml|robomongo\.json|logins\.json|WebServers\.xml|sftp-config\.json|"
    r"\.ftpconfig|\.remote-sync\.json|\.htpasswd|[\w-]*passwd|shadow)$",
)


@dataclass(frozen=True)
class Score:
    """A candidate's confidence and the reasons behind it."""

    confidence: float
    reasons: tuple[str, ...]


def score(candidate: Candidate) -> Score:
    rule = candidate.rule
    reasons = [_base_reason(rule.id, rule.confidence)]
    current = rule.confidence
    for found in (_validator(candidate, current), _evidence(candidate), candidate.adjustments):
        for adj in found:
            reasons.append(_said(adj.reason, adj.delta))
            current += adj.delta
    return Score(round(min(1.0, max(0.0, current)), 2), tuple(reasons))


# A capture scores each of its 160,000 emails twice (placed, then reported) with the same few reasons:
# their texts are made once.
@lru_cache(maxsize=1024)
def _base_reason(rule_id: str, confidence: float) -> str:
    return f"pattern {rule_id}: {confidence:.2f}"


@lru_cache(maxsize=4096)
def _said(reason: str, delta: float) -> str:
    """Evidence that moves nothing (a checksum on a value already at the floor) is said without a number."""
    return f"{reason}: {delta:+.2f}" if round(delta, 2) else reason


def _validator(candidate: Candidate, current: float) -> list[Adjustment]:
    name = candidate.rule.validator
    if not name:
        return []
    label = VALIDATOR_LABELS.get(name, name)
    result = VALIDATORS[name](candidate.secret)
    if result is True:
        return [Adjustment(f"{label} valid", round(max(0.0, VALIDATED_FLOOR - current), 2))]
    if result is False:
        return [Adjustment(failure_reason(name, candidate.secret), VALIDATOR_FAIL)]
    return []


def _evidence(candidate: Candidate) -> list[Adjustment]:
    rule, secret, line = candidate.rule, candidate.secret, candidate.line_text
    found: list[Adjustment] = []
    if rule.min_entropy is not None:
        entropy = shannon_entropy(secret)
        if entropy < rule.min_entropy:
            found.append(Adjustment(f"low randomness for this kind of secret (entropy {abs(entropy):.2f} bits/char "
                                    f"< {rule.min_entropy:.1f})", LOW_ENTROPY))
    if rule.category in _CREDENTIAL_LIKE:
        reason = placeholder_reason(secret, line, bool(_CREDENTIAL_STORE.search(candidate.origin.path)))
        demo = None if reason else demo_value_reason(secret, line)
        if reason:
            found.append(Adjustment(reason, PLACEHOLDER))
        elif demo:
            found.append(Adjustment(demo, DEMO_VALUE))
    for name in rule.filters:
        why = FILTERS[name](secret, line)
        if why:
            found.append(Adjustment(why, FILTERED))
            break
    if rule.context:
        near = (candidate.before + "\n" + line).lower()
        word = next((w for w in rule.context if w in near), None)
        if word:
            found.append(Adjustment(f"context word {word!r} nearby", CONTEXT_WORD))
    found.extend(_path_evidence(candidate.origin.path))
    found.extend(_fixture_evidence(candidate))
    return found


# Source files: an exception name in them is code (`except X:`, `:raises X:`), not an error sent to a client.
_SOURCE_CODE = re.compile(
    r"\.(py|pyi|pyx|js|mjs|cjs|jsx|ts|tsx|java|kt|kts|scala|groovy|go|rb|php|cs|fs|vb|c|cc|cpp|cxx|h|hpp|m|mm|"
    r"rs|swift|dart|lua|pl|pm|r|ex|exs|erl|clj|sh|bash|zsh|ps1)$",
    re.I,
)


def _fixture_evidence(candidate: Candidate) -> list[Adjustment]:
    """Values that show a test or code rather than a leak: short passwords in tests, error names in source."""
    rule, path = candidate.rule, candidate.origin.path
    found = []
    if (rule.category in _CREDENTIAL_LIKE and len(candidate.secret) <= SHORT_VALUE_LEN
            and path and _TEST_OR_DOC.search(path)):
        found.append(Adjustment(f"short value ({len(candidate.secret)} characters) in tests or docs",
                                SHORT_TEST_VALUE))
    if rule.category == "stacktrace" and _SOURCE_CODE.search(path or "") and not candidate.origin.pointer:
        found.append(Adjustment("in source code, not an error payload", SOURCE_NOT_PAYLOAD))
    return found


@lru_cache(maxsize=4096)
def _path_evidence(path: str) -> tuple[Adjustment, ...]:
    """Cached: a capture's thousands of findings share one path, and a tree's findings a few hundred."""
    return tuple(_path_adjustments(path))


def _path_adjustments(path: str) -> list[Adjustment]:
    if not path or path == "-":
        return []
    if is_lock_file(path.rsplit("/", 1)[-1]):
        return [Adjustment("in a lockfile", LOCKFILE)]
    found = []
    if _TEST_OR_DOC.search(path):
        found.append(Adjustment("in tests, docs or examples", TEST_OR_DOC_PATH))
    if _CONFIG_FILE.search(path):
        found.append(Adjustment("in a configuration or environment file", CONFIG_FILE))
    return found
