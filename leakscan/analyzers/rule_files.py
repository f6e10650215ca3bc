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

import json
import re
import sys
from typing import Any

from leakscan.engine.literals import has_rule_file_marker, text_marks
from leakscan.sources.yaml_safe import YamlLoadError, compose, to_data

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MAX_RULE_FILE_BYTES = 8 * 1024 * 1024  # bigger files are scanned: no rule pack is this big
MIN_RULE_SHARE = 0.8  # of the list's items must be rules

_YAML_RULE_ID = re.compile(r"(?m)^\s*-\s+id:\s*\S")
_YAML_PATTERN = re.compile(r"(?m)^\s+(?:pattern|regex|pattern-regex|examples):")
_YAML_PATTERN_WORDS = ("pattern", "regex", "examples")  # what _YAML_PATTERN needs, as literals
_TOML_RULES = re.compile(r"(?m)^\s*\[\[rules\]\]\s*$")
_TOML_REGEX = re.compile(r"(?m)^\s*regex\s*=")


def rule_file_kind(path: str, text: str, data: bytes | None = None, scanned_whole: bool = True) -> str | None:
    """What kind of scanner rule or baseline file `text` is (`data`: its bytes, if the caller has
    them), or None for any other file. `scanned_whole`: the text is scanned next, whose
    marks pass (engine/literals.py) this then shares; otherwise only the markers are looked for."""
    if len(text) > MAX_RULE_FILE_BYTES:
        return None
    if not (text_marks(text, data).rule_file_markers if scanned_whole else has_rule_file_marker(text, data)):
        return None
    head = text.lstrip("\ufeff \t\r\n")[:1]
    if head == "{" and '"plugins_used"' in text and '"results"' in text:
        return "detect-secrets baseline" if _is_detect_secrets_baseline(text) else None
    # Literal tests first: every file of a tree passes here, and a multi-line regex search
    # over each one cost a tree scan a quarter of its time.
    if "[[rules]]" in text and _TOML_RULES.search(text) and _TOML_REGEX.search(text):
        return "gitleaks-style rule config" if _is_toml_rules(text) else None
    if ("id:" in text and any(word in text for word in _YAML_PATTERN_WORDS)
            and _YAML_RULE_ID.search(text) and _YAML_PATTERN.search(text)):
        return _yaml_rules_kind(text)
    return None


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
