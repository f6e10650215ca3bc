"""Config (frozen) built from flags, .leakscan.yaml and [tool.leakscan]."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

# yaml, tomllib and difflib are imported where a config file is parsed or a typo explained: a
# pre-commit run in a repository without a config file needs none of them (issue 20.3).

DEFAULT_MAX_FILE_SIZE = 25 * 1024 * 1024


class ConfigError(ValueError):
    """An invalid configuration file or value; the message says where and what."""


def check_disabled_rules(disabled: Iterable[str], known_ids: Iterable[str]) -> None:
    """Every id given to --disable (or `disable:`) names a loaded rule; a typo is an error
    that lists the closest ids, not a rule silently left on."""
    ids = set(known_ids)
    unknown = sorted(set(disabled) - ids)
    if not unknown:  # every load asks, mostly with nothing disabled: the ids are sorted only for a message
        return
    import difflib

    known = sorted(ids)
    parts = []
    for rule_id in unknown:
        close = difflib.get_close_matches(rule_id, known, n=3, cutoff=0.6)
        if not close:  # a family prefix typed alone (`aws`) or a misspelt tail: ids sharing the first part
            close = [k for k in known if k.split(".", 1)[0] == rule_id.split(".", 1)[0]][:3]
        parts.append(f"{rule_id!r}" + (f" (did you mean: {', '.join(close)}?)" if close else ""))
    raise ConfigError(f"unknown rule id(s) to disable: {'; '.join(parts)}. `leakscan rules list` shows every id.")


@dataclass(frozen=True)
class ArchiveLimits:
    """How far archives and compressed files are opened (issue 14); each limit hit is an error entry."""

    max_depth: int = 3  # archives inside archives (a .tar.gz is one level)
    max_member_size: int = 64 * 1024 * 1024  # uncompressed bytes of one member
    max_total_size: int = 256 * 1024 * 1024  # uncompressed bytes read from one file on disk
    max_ratio: int = 200  # uncompressed / compressed, above RATIO_FLOOR bytes: zip and gzip bombs
    max_members: int = 10_000  # members of one file on disk, nested ones included


@dataclass(frozen=True)
class Config:
    """The settings of one scan: command-line options over the config file over these defaults."""

    min_confidence: float = 0.5
    show_secrets: bool = False
    use_hyperscan: bool | None = None  # None: use it when installed
    exclude: tuple[str, ...] = ()
    allow_paths: tuple[str, ...] = ()  # findings in these paths are suppressed
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    rule_files: tuple[str, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    jobs: int = 0  # 0: all cores
    progress: bool = False
    respect_gitignore: bool = True
    baseline: str | None = None
    capture_spec: str | None = None  # scan --spec: the OpenAPI document captures are compared to
    first_party: str | None = None  # --first-party: the captures' own site (else decided from each capture)
    scan_rule_packs: bool = False  # scanners' rule packs and baselines are left out unless asked (issue 11.5)
    archives: bool = True  # open zip, tar, gzip, bz2 and xz files and scan their members (issue 14)
    archive_limits: ArchiveLimits = ArchiveLimits()
    decode: bool = True  # values in base64, percent-encoding or escapes are decoded and scanned (issue 14.2)


# Keys accepted in .leakscan.yaml / [tool.leakscan], mapped to Config fields.
_FILE_KEYS = {
    "min_confidence": "min_confidence",
    "min-confidence": "min_confidence",
    "exclude": "exclude",
    "allow_paths": "allow_paths",
    "allowlist_paths": "allow_paths",
    "max_file_size": "max_file_size",
    "rules": "rule_files",
    "rule_files": "rule_files",
    "disable": "disabled_rules",
    "disabled_rules": "disabled_rules",
    "baseline": "baseline",
    "scan_rule_packs": "scan_rule_packs",
    "archives": "archives",
    "archive_limits": "archive_limits",
    "decode": "decode",
}


def find_config_file(start: Path) -> Path | None:
    for name in (".leakscan.yaml", ".leakscan.yml"):
        if (start / name).is_file():
            return start / name
    pyproject = start / "pyproject.toml"
    if pyproject.is_file():
        return pyproject
    return None


def load_file_settings(path: Path) -> dict[str, Any]:
    """Settings from a config file, validated; paths made relative to its folder."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return _normalise(parse_settings(text, path), path)


def parse_settings(text: str, path: Path) -> dict[str, Any]:
    """The raw settings mapping in a config file's text (`path` names its kind and place)."""
    if path.name == "pyproject.toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib
        try:
            data = tomllib.loads(text).get("tool", {}).get("leakscan", {})
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    else:
        import yaml

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    return data


def _normalise(data: dict[str, Any], path: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        field = _FILE_KEYS.get(key)
        if field is None:
            known = ", ".join(sorted(k for k in _FILE_KEYS if "-" not in k))
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {known})")
        out[field] = _coerce(field, value, path)
    if "rule_files" in out:
        out["rule_files"] = tuple(str((path.parent / p).resolve()) for p in out["rule_files"])
    if "baseline" in out:
        out["baseline"] = str((path.parent / out["baseline"]).resolve())
    return out


def _coerce(field: str, value: Any, path: Path) -> Any:
    if field == "min_confidence":
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigError(f"{path}: min_confidence must be a number in [0, 1]")
        return float(value)
    if field == "max_file_size":
        if not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{path}: max_file_size must be a positive number of bytes")
        return value
    if field in ("scan_rule_packs", "archives", "decode"):
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: {field} must be true or false")
        return value
    if field == "archive_limits":
        return _archive_limits(value, path)
    if field == "baseline":
        if not isinstance(value, str):
            raise ConfigError(f"{path}: baseline must be a path")
        return value
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: {field} must be a list of strings")
    return tuple(value)


def _archive_limits(value: Any, path: Path) -> ArchiveLimits:
    known = {f.name for f in fields(ArchiveLimits)}
    if not isinstance(value, dict) or not set(value) <= known:
        raise ConfigError(f"{path}: archive_limits must be a mapping of {', '.join(sorted(known))}")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value.values()):
        raise ConfigError(f"{path}: archive_limits values must be positive whole numbers")
    return ArchiveLimits(**value)


def build_config(config_file: Path | None = None, cwd: Path | None = None, discover: bool = True,
                 adjust: Callable[[dict[str, Any]], dict[str, Any]] | None = None, **flags: Any) -> Config:
    """File settings first, then flags that were given (None means not given). Without
    `discover`, only `config_file` is read; `adjust` may rewrite the file's settings
    (config_trust: files a scanned change brings are not applied)."""
    settings: dict[str, Any] = {}
    path = config_file or (find_config_file(cwd or Path(os.getcwd())) if discover else None)
    if path is not None:
        settings.update(load_file_settings(path))
    if adjust is not None:
        settings = adjust(settings)
    names = {f.name for f in fields(Config)}
    for key, value in flags.items():
        if key not in names:
            raise ConfigError(f"unknown option {key}")
        if value is None or value == ():
            continue
        if key in ("exclude", "rule_files", "disabled_rules", "allow_paths"):
            value = tuple(settings.get(key, ())) + tuple(value)
        settings[key] = value
    return replace(Config(), **settings)
