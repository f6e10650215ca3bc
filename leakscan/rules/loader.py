"""Load and validate rule packs (patterns/*.yaml). Unknown keys are rejected."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from leakscan.config import check_disabled_rules
from leakscan.model import CATEGORIES, SEVERITIES, MaskSpec, Rule
from leakscan.resources import pack_dir as builtin_pack_dir
from leakscan.rules import pack_cache
from leakscan.rules.names import FILTER_NAMES, VALIDATOR_NAMES

ALLOWED_KEYS = frozenset({
    "id", "name", "category", "pattern", "keywords", "min_entropy", "validator",
    "confidence", "severity", "mask", "references", "examples", "negative_examples",
    "description", "filters", "context", "paths", "example_path", "analyzer", "verify",
})
REQUIRED_KEYS = ("id", "name", "category", "confidence", "severity", "examples", "negative_examples")
MASK_KEYS = frozenset({"keep_prefix", "keep_suffix", "style"})
MASK_STYLES = frozenset({"secret", "email", "card", "ssn", "phone", "iban", "date", "ip", "redact", "plain"})
ID_SHAPE = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")
# Flags every rule pattern is compiled with; the Hyperscan prefilter assumes them. regex.ASCII |
# regex.VERSION0, written as their values: rules read from the pack cache need neither regex nor
# yaml, which are imported only to validate a pack (tests/rules/test_loader.py checks the values).
PATTERN_FLAGS = 0x80 | 0x2000


class RuleError(ValueError):
    """A rule pack or rule is invalid; the message names file, rule and problem."""

    def __init__(self, source: str, rule_id: str | None, problem: str) -> None:
        where = f"{source}: rule {rule_id}" if rule_id else source
        super().__init__(f"{where}: {problem}")
        self.source, self.rule_id, self.problem = source, rule_id, problem


# The rules load_rules returned last, with the cache key of their packs and the ids left out:
# rules_digest of exactly these is read from the cache beside the packs (7 ms a start-up).
_LAST_LOADED: list[tuple[tuple[Rule, ...], str, frozenset[str]]] = []


def rules_digest(rules: Iterable[Rule]) -> str:
    """A short digest of the rules as loaded (patterns, scores, everything): two reports with the
    same digest were made by the same rules, whatever packs or versions they came from."""
    known = _LAST_LOADED[0] if _LAST_LOADED and _LAST_LOADED[0][0] is rules else None
    if known is not None:
        cached = pack_cache.read_digest(known[1], known[2])
        if cached is not None:
            return cached
    digest = hashlib.sha256()
    for rule in sorted(rules, key=lambda r: r.id):
        digest.update(repr(rule).encode("utf-8", "surrogatepass") + b"\0")
    value = digest.hexdigest()[:16]
    if known is not None:
        pack_cache.write_digest(known[1], known[2], value)
    return value


def builtin_pack_files() -> list[Path]:
    return sorted(p for p in builtin_pack_dir().glob("*.yaml") if not p.name.startswith("_"))


def load_rules(extra_files: Iterable[str | Path] = (), disabled: Iterable[str] = ()) -> tuple[Rule, ...]:
    """All built-in rules plus extra packs, minus disabled ids, in a stable order."""
    files = [*builtin_pack_files(), *(Path(f) for f in extra_files)]
    raws = [(path.name, _read(path)) for path in files]
    key = pack_cache.set_key(raws)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path, pack in zip(files, _load_packs(files, raws, key), strict=True):
        source = str(path)
        for rule in pack:
            if rule.id in seen:
                raise RuleError(source, rule.id, f"duplicate id (also in {seen[rule.id]})")
            seen[rule.id] = source
        rules.extend(pack)
    off = frozenset(disabled)
    check_disabled_rules(off, seen)  # an unknown id is a ConfigError, never silently ignored
    loaded = tuple(r for r in rules if r.id not in off) if off else tuple(rules)
    _LAST_LOADED[:] = [(loaded, key, off)]
    return loaded


def _load_packs(files: list[Path], raws: list[tuple[str, bytes]], key: str) -> list[list[Rule]]:
    """The rules of each pack; the same set of packs seen before comes from one cache file."""
    cached = pack_cache.read_set(key, len(raws))
    if cached is not None:
        return cached
    packs = [_load_pack_bytes(raw, path) for path, (_, raw) in zip(files, raws, strict=True)]
    pack_cache.write_set(key, packs)
    return packs


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RuleError(str(path), None, f"cannot read: {exc.strerror or exc}") from exc


def load_pack(path: str | Path) -> list[Rule]:
    """The validated rules of one pack; a pack seen before (same bytes) comes
    from the cache, which skips YAML parsing and regex validation at start-up."""
    path = Path(path)
    return _load_pack_bytes(_read(path), path)


def _load_pack_bytes(raw: bytes, path: Path) -> list[Rule]:
    cached = pack_cache.read(raw, path.name)
    if cached is not None:
        return cached
    rules = _parse_pack(raw, path)
    pack_cache.write(raw, path.name, rules)
    return rules


def _parse_pack(raw: bytes, path: Path) -> list[Rule]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml loads the packs several times faster
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=loader)
    except UnicodeDecodeError as exc:
        raise RuleError(str(path), None, f"not UTF-8: {exc}") from exc
    except yaml.YAMLError as exc:
        raise RuleError(str(path), None, f"invalid YAML: {exc}") from exc
    if data is None:
        return []
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    if not isinstance(data, list):
        raise RuleError(str(path), None, "a rule pack must be a list of rules")
    return [parse_rule(item, str(path.name)) for item in data]


def parse_rule(raw: Any, source: str) -> Rule:
    if not isinstance(raw, dict):
        raise RuleError(source, None, "each rule must be a mapping")
    rid = raw.get("id")
    if not isinstance(rid, str) or not ID_SHAPE.match(rid):
        raise RuleError(source, str(rid), "id must be dotted lowercase, e.g. github.pat.classic")
    unknown = sorted(set(raw) - ALLOWED_KEYS)
    if unknown:
        raise RuleError(source, rid, f"unknown key(s): {', '.join(unknown)}")
    missing = [k for k in REQUIRED_KEYS if k not in raw]
    if missing:
        raise RuleError(source, rid, f"missing key(s): {', '.join(missing)}")
    _check_enums(raw, source, rid)
    pattern = raw.get("pattern")
    analyzer = raw.get("analyzer")
    if pattern is None and analyzer is None:
        raise RuleError(source, rid, "needs a pattern or an analyzer")
    if pattern is not None:
        _check_pattern(pattern, source, rid)
        if not _str_list(raw.get("keywords")):
            raise RuleError(source, rid, "a pattern rule needs keywords for the prefilter")
    return Rule(
        id=rid,
        name=_req_str(raw, "name", source, rid),
        category=raw["category"],
        severity=raw["severity"],
        confidence=float(raw["confidence"]),
        pattern=pattern,
        keywords=_str_tuple(raw, "keywords", source, rid),
        min_entropy=_opt_float(raw, "min_entropy", source, rid),
        validator=raw.get("validator"),
        mask=_parse_mask(raw.get("mask"), source, rid),
        references=_str_tuple(raw, "references", source, rid),
        examples=_str_tuple(raw, "examples", source, rid),
        negative_examples=_str_tuple(raw, "negative_examples", source, rid),
        description=str(raw.get("description", "")),
        filters=_str_tuple(raw, "filters", source, rid),
        context=tuple(w.lower() for w in _str_tuple(raw, "context", source, rid)),
        paths=_str_tuple(raw, "paths", source, rid),
        example_path=raw.get("example_path"),
        analyzer=analyzer,
        source_file=source,
        verify=_parse_verify(raw.get("verify"), source, rid),
    )


def _parse_verify(raw: Any, source: str, rid: str) -> str:
    """A custom pack's `verify:` block for its rule, held to the shipped verifiers' rules (documented https
    host, read-only method, parts), kept as JSON text for `--verify`."""
    if raw is None:
        return ""
    from leakscan.rules.verifiers import VerifierError, parse_verifier

    if not isinstance(raw, dict):
        raise RuleError(source, rid, "verify must be a mapping (see docs/verification.md)")
    block = {"provider": rid.replace(".", "-"), **raw, "rules": [rid]}
    try:
        parse_verifier(block)
    except VerifierError as exc:
        raise RuleError(source, rid, f"verify: {exc}") from exc
    return json.dumps(block, sort_keys=True)


def check_verifiers(rules: Iterable[Rule]) -> int:
    """The shipped verifiers (patterns/_verifiers.yaml) and the packs' `verify:` blocks are valid and name
    loaded rules; `rules check` calls this. The number of verifiers."""
    from leakscan.rules.verifiers import VerifierError, all_verifiers

    try:
        return len(all_verifiers(list(rules)))
    except VerifierError as exc:
        raise RuleError("_verifiers.yaml", None, str(exc)) from exc


def _check_enums(raw: dict[str, Any], source: str, rid: str) -> None:
    if raw["category"] not in CATEGORIES:
        raise RuleError(source, rid, f"category must be one of {', '.join(CATEGORIES)}")
    if raw["severity"] not in SEVERITIES:
        raise RuleError(source, rid, f"severity must be one of {', '.join(SEVERITIES)}")
    conf = raw["confidence"]
    if not isinstance(conf, (int, float)) or not 0.0 <= conf <= 1.0:
        raise RuleError(source, rid, "confidence must be a number in [0, 1]")
    if raw.get("validator") is not None and raw["validator"] not in VALIDATOR_NAMES:
        known = ", ".join(sorted(VALIDATOR_NAMES))
        raise RuleError(source, rid, f"unknown validator {raw['validator']!r}; known: {known}")
    for name in raw.get("filters") or ():
        if name not in FILTER_NAMES:
            raise RuleError(source, rid, f"unknown filter {name!r}; known: {', '.join(sorted(FILTER_NAMES))}")
    if not _str_list(raw.get("examples")):
        raise RuleError(source, rid, "examples must be a non-empty list of strings")
    if not _str_list(raw.get("negative_examples")):
        raise RuleError(source, rid, "negative_examples must be a non-empty list of strings")


def _check_pattern(pattern: Any, source: str, rid: str) -> None:
    if not isinstance(pattern, str):
        raise RuleError(source, rid, "pattern must be a string")
    import regex

    try:
        compiled = regex.compile(pattern, PATTERN_FLAGS)
    except regex.error as exc:
        raise RuleError(source, rid, f"pattern does not compile: {exc}") from exc
    if "secret" not in compiled.groupindex and compiled.groups < 1:
        raise RuleError(source, rid, "pattern needs a capture group 1 or a named group 'secret'")


def _parse_mask(raw: Any, source: str, rid: str) -> MaskSpec:
    if raw is None:
        return MaskSpec()
    if not isinstance(raw, dict) or set(raw) - MASK_KEYS:
        raise RuleError(source, rid, f"mask takes only {', '.join(sorted(MASK_KEYS))}")
    style = raw.get("style", "secret")
    if style not in MASK_STYLES:
        raise RuleError(source, rid, f"mask style must be one of {', '.join(sorted(MASK_STYLES))}")
    return MaskSpec(int(raw.get("keep_prefix", 4)), int(raw.get("keep_suffix", 0)), style)


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _str_tuple(raw: dict[str, Any], key: str, source: str, rid: str) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(source, rid, f"{key} must be a list of strings")
    return tuple(value)


def _req_str(raw: dict[str, Any], key: str, source: str, rid: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuleError(source, rid, f"{key} must be a non-empty string")
    return value


def _opt_float(raw: dict[str, Any], key: str, source: str, rid: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, (int, float)):
        raise RuleError(source, rid, f"{key} must be a number")
    return float(value)
