"""Where shipped data lives: the built-in rule packs and the data tables beside them.

A leaf module (standard library and PyYAML only), so that any layer can read
its data tables without importing the rule loader.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any


def pack_dir() -> Path:
    """The directory of the shipped rule packs, installed or in a checkout."""
    beside = Path(__file__).resolve().parent / "patterns"  # where an install puts them: no importlib.resources
    if beside.is_dir() and any(beside.glob("*.yaml")):
        return beside
    from importlib import resources  # a package installed another way (a zip): ask importlib

    try:
        installed = resources.files("leakscan.patterns")
        path = Path(str(installed))
        if path.is_dir() and any(path.glob("*.yaml")):
            return path
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "patterns"


def data_table(name: str) -> Any:
    """A data table shipped beside the packs (`_pii_values.yaml`, ...), parsed safely."""
    import yaml  # here, not at the top: rules read from the pack cache need no YAML (issue 20.3)

    # libyaml's safe loader when PyYAML has it: the same data, 10 to 50 times faster than the pure-Python
    # one, which cost each scan process 0.25 s for the tables a tree scan reads (issue 20).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((pack_dir() / name).read_text(encoding="utf-8"), Loader=loader)
