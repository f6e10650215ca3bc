"""Config: cheap to import (issue 20.3)."""
from __future__ import annotations

from leakscan.config import ArchiveLimits, Config


def test_the_config_records_have_docstrings_of_their_own():
    """@dataclass writes a docstring from inspect.signature for a class without one, at every start-up."""
    for cls in (Config, ArchiveLimits):
        assert cls.__doc__ and not cls.__doc__.startswith(f"{cls.__name__}(")
