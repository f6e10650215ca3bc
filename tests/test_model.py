"""The pipeline's records: cheap to import (issue 20.3)."""
from __future__ import annotations

import dataclasses
import inspect

from leakscan import model


def test_every_record_has_a_docstring_of_its_own():
    """@dataclass writes a docstring from inspect.signature for a class without one, at every start-up."""
    records = [cls for _, cls in inspect.getmembers(model, inspect.isclass)
               if dataclasses.is_dataclass(cls) and cls.__module__ == model.__name__]
    assert len(records) >= 15
    undocumented = [cls.__name__ for cls in records if "__doc__" not in vars(cls) or not cls.__doc__
                    or cls.__doc__.startswith(f"{cls.__name__}(")]
    assert undocumented == []
