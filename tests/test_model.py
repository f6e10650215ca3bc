"""The pipeline's records: cheap to import (issue 20.3)."""
from __future__ import annotations

import dataclasses
import inspect
import pickle

from leakscan import model


def test_every_record_has_a_docstring_of_its_own():
    """@dataclass writes a docstring from inspect.signature for a class without one, at every start-up."""
    records = [cls for _, cls in inspect.getmembers(model, inspect.isclass)
               if dataclasses.is_dataclass(cls) and cls.__module__ == model.__name__]
    assert len(records) >= 15
    undocumented = [cls.__name__ for cls in records if "__doc__" not in vars(cls) or not cls.__doc__
                    or cls.__doc__.startswith(f"{cls.__name__}(")]
    assert undocumented == []


# Records a capture holds by the hundred thousand (issue 20.2): no __dict__ each.
HELD_RECORDS = (model.Origin, model.Adjustment, model.Candidate, model.Suggestion, model.Location, model.Finding,
                model.Verification)


def _finding() -> model.Finding:
    location = model.Location("shop.har", 1, 40, 1, 71, pointer="/log/entries/0/response/content/text/items/0/email",
                              extra=(("entry", "GET https://shop.example/api"),))
    return model.Finding(
        rule_id="pii.email", category="pii", name="Email address", severity="medium", confidence=0.9,
        reasons=("in a captured response",), location=location, masked="sell***@example.com", fingerprint="f" * 16,
        suggestion=model.Suggestion("remove", "Remove it from the capture", "sell***@example.com"),
        secret_hash="0" * 64, secret="seller.one@example.com", raw_pointer="/x", raw_also_at=("/y",),
        verification=model.Verification("skipped", "2026-01-01T00:00:00Z", "none"), related_lines=(3,))


def test_held_records_have_slots_and_no_instance_dict():
    for cls in HELD_RECORDS:
        assert "__slots__" in vars(cls), cls.__name__
    finding = _finding()
    assert not hasattr(finding, "__dict__") and not hasattr(finding.location, "__dict__")
    origin = model.Origin("har", "shop.har", pointer="/a")
    candidate = model.Candidate(model.Rule("pii.email", "Email", "pii", "medium", 0.9), "a.b@example.com", origin,
                                1, 2, 1, 17, '"email": "a.b@example.com"', adjustments=(model.Adjustment("why", 0.2),))
    assert not hasattr(candidate, "__dict__") and not hasattr(origin, "__dict__")


def test_slotted_records_pickle_replace_and_compare_as_before():
    """Findings travel to and from worker processes pickled; the pipeline makes changed copies with replace()."""
    finding = _finding()
    again = pickle.loads(pickle.dumps(finding))
    assert again == finding and again.secret == finding.secret and again.raw_also_at == ("/y",)
    assert dataclasses.replace(finding, masked="x") != finding  # compared fields still compare
    assert dataclasses.replace(finding, secret="other") == finding  # the plaintext is not compared, as before
    origin = model.Origin("har", "shop.har", extra=(("k", "v"),))
    assert pickle.loads(pickle.dumps(origin)) == origin and hash(origin) == hash(model.Origin("har", "shop.har",
                                                                                             extra=(("k", "v"),)))
    try:
        finding.masked = "changed"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("a finding is frozen")
