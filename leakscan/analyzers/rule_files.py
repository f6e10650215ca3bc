"""Rule packs and baselines of secret scanners, recognised by their structure.

Their whole content is patterns, sample secrets and hashes of secrets, so a
scan of a virtualenv or a tools directory would otherwise report mostly
leakscan's own installed `patterns/*.yaml` (issue 11.5). They are left out by
default and counted in `stats.skipped.rule_packs`; `--scan-rule-packs` (or
`scan_rule_packs: true`) scans them anyway.

Recognised wherever they are installed, by content, never by path alone:
- a leakscan pack: a YAML list of rules with `id`, `pattern` and `examples`;
- other YAML rule lists (`rules:` items with `id` and `pattern`/`regex`);
- a gitleaks-style TOML config: `[[rules]]` tables with `id` and `regex`;
- a detect-secrets baseline: JSON with `plugins_used` and `results`.
Nothing is parsed unless cheap markers are there first.
"""
from __future__ import annotations

import functools
import json
import re
import sys
from typing import Any

from leakscan.engine.literals import LiteralFinder, text_marks
from leakscan.sources.yaml_safe import YamlLoadError, compose, to_data

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MAX_RULE_FILE_BYTES = 8 * 1024 * 1024  # bigger files are scanned: no rule pack is this big
MIN_RULE_SHARE = 0.8  # of the list's items must be rules

_YAML_RULE_ID = re.compile(r"(?m)^\s*-\s+id:\s*\S")
_YAML_PATTERN = re.compile(r"(?m)^\s+(?:pattern|regex|pattern-regex|examples):")
_TOML_RULES = re.compile(r"(?m)^\s*\[\[rules\]\]\s*$")
_TOML_REGEX = re.compile(r"(?m)^\s*regex\s*=")
# Every literal the tests below need first, found in one pass. The YAML keys with their colon
# (`pattern-regex:` holds `regex:`): Ruby's `id:` and the bare words are so common that a rails
# history ran the YAML regexes on 1,637 blobs (0.7 s in a profile), and a substring test per
# literal cost it 0.3 s more.
_YAML_PATTERN_KEYS = ("pattern:", "regex:", "examples:")
_LITERALS = ('"plugins_used"', '"results"', "[[rules]]", "id:", *_YAML_PATTERN_KEYS)


def rule_file_kind(path: str, text: str, data: bytes | None = None, scanned_whole: bool = True) -> str | None:
    """What kind of scanner rule or baseline file `text` is (`data`: the bytes it was decoded from, if
    the caller has them), or None for any other file. `scanned_whole`: the text is scanned next,
    and the marks pass that its scan shares (engine/literals.py) says first whether a marker is
    there at all; otherwise (a history's blob, of which only new lines are scanned) the literals
    are looked for straight away."""
    if len(text) > MAX_RULE_FILE_BYTES:
        return None
    if scanned_whole and not text_marks(text, data).rule_file_markers:
        return None
    found = {literal.decode() for literal in _finder().occurring(text, data)}
    head = text.lstrip("\ufeff \t\r\n")[:1]
    if head == "{" and '"plugins_used"' in found and '"results"' in found:
        return "detect-secrets baseline" if _is_detect_secrets_baseline(text) else None
    # Literal tests first: every file of a tree passes here, and a multi-line regex search
    # over each one cost a tree scan a quarter of its time.
    if "[[rules]]" in found and _TOML_RULES.search(text) and _TOML_REGEX.search(text):
        return "gitleaks-style rule config" if _is_toml_rules(text) else None
    if ("id:" in found and not found.isdisjoint(_YAML_PATTERN_KEYS)
            and _YAML_RULE_ID.search(text) and _YAML_PATTERN.search(text)):
        return _yaml_rules_kind(text)
    return None


@functools.cache
def _finder() -> LiteralFinder:
    return LiteralFinder([literal.encode() for literal in _LITERALS])  # compiled in under a millisecond


def _is_detect_secrets_baseline(text: str) -> bool:
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return (isinstance(data, dict) and isinstance(data.get("results"), dict)
            and isinstance(data.get("plugins_used"), list))


def _is_toml_rules(text: str) -> bool:
    try:
        rules = tomllib.loads(text).get("rules")
    except (tomllib.TOMLDecodeError, ValueError):
        return False
    return _mostly_rules(rules, ("regex", "path"))


def _yaml_rules_kind(text: str) -> str | None:
    try:
        root = compose(text)
        data = to_data(root) if root is not None else None
    except (YamlLoadError, RecursionError):
        return None
    # Leakscan rules have a `pattern`, or name the structural `analyzer` that emits them.
    if isinstance(data, list) and _mostly_rules(data, ("pattern", "analyzer")) and any(
            isinstance(r, dict) and "examples" in r for r in data):
        return "leakscan rule pack"
    rules = data.get("rules") if isinstance(data, dict) else None
    if _mostly_rules(rules, ("pattern", "regex", "pattern-regex", "patterns")):
        return "rule pack"
    return None


def _mostly_rules(items: Any, pattern_keys: tuple[str, ...]) -> bool:
    if not isinstance(items, list) or not items:
        return False
    rules = sum(1 for r in items if isinstance(r, dict) and "id" in r and any(k in r for k in pattern_keys))
    return rules / len(items) >= MIN_RULE_SHARE
