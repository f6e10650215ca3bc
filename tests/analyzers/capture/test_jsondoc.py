"""Which values of a JSON document become items (analyzers/capture/jsondoc.py)."""
from __future__ import annotations

import json
import random
from typing import Any

from leakscan.analyzers.capture.field_evidence import key_kind
from leakscan.analyzers.capture.jsondoc import MIN_NUMBER, MIN_STRING, Doc, iter_flatten
from leakscan.analyzers.capture.payload import Item
from leakscan.analyzers.capture.sites import FileSite, NoSite


def _scalar(rng: random.Random) -> Any:
    return rng.choice([
        True, False, None, 0, 7, -42, 99999, -99999, 100000, -100000, 1739433100069, 3.5, 99999.5,
        1739433100069.696, -2.5e9, 4111111111111111.0, -123456.25, "", "ab", "12345", "123456", "zoe@mail.test",
        rng.randint(-10**7, 10**7),
    ])


def _document(rng: random.Random) -> dict[str, Any]:
    """Arrays of scalars (a profiler's or a metrics export's) under plain and telling keys, nested too."""
    keys = ["samples", "timestamps", "ssn", "cvv", "phone", "values"]
    return {key: [_scalar(rng) if rng.random() < 0.9 else [_scalar(rng) for _ in range(3)]
                  for _ in range(rng.randint(0, 40))] for key in rng.sample(keys, 4)}


def _expected(data: dict[str, Any]) -> list[str]:
    """The pointers of the scalars worth an item, by the rule as stated: a string of MIN_STRING
    characters or a whole number of at least MIN_NUMBER (a fraction such as a profiler's timestamp is a
    measurement), or any non-empty value under a key that names a kind; in document order."""
    found: list[str] = []

    def visit(value: Any, pointer: str, keyed: bool) -> None:
        if isinstance(value, list):
            for i, element in enumerate(value):
                visit(element, f"{pointer}/{i}", keyed)
        elif isinstance(value, str):
            if len(value) >= MIN_STRING or (value and keyed):
                found.append(pointer)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and (
                (abs(value) >= MIN_NUMBER and float(value).is_integer()) or keyed):
            found.append(pointer)

    for key, value in data.items():
        visit(value, f"/{key}", key_kind(key) is not None)
    return found


def test_the_values_of_arrays_that_become_items_are_those_the_rule_names():
    rng = random.Random(3)
    template = Item(value="", pointer=None, site=NoSite(), where="json")
    for _ in range(200):
        data = _document(rng)
        text = json.dumps(data)
        items = list(iter_flatten(data, Doc(text, FileSite(text)), template))
        assert [item.pointer for item in items] == _expected(data), text[:200]


def test_a_fraction_is_an_item_only_under_a_key_that_names_a_kind():
    """A profiler's export (one of rails's 4 MB Vernier profiles held 99,557 timestamps such as
    1739433100069.696) gives no item per timestamp; a whole number or a keyed coordinate still does."""
    data = {"meta": {"startTime": 1739433100069.696}, "samples": {"time": [1739433100069.696, 1739433100070.25]},
            "account": 4111111111111111, "location": [-0.14189, 51.501364], "ids": [9876543210.0]}
    text = json.dumps(data)
    template = Item(value="", pointer=None, site=NoSite(), where="json")
    pointers = [item.pointer for item in iter_flatten(data, Doc(text, FileSite(text)), template)]
    assert sorted(pointers) == ["/account", "/ids/0", "/location/0", "/location/1"]


def test_keys_are_escaped_in_pointers_and_each_value_is_placed_where_it_is_written():
    """A value written once is found by its literal, one written twice by walking the pointer: both
    land on the value itself, escaped keys (`/` and `~`) and a key spelled like a value included."""
    data = {"a/b": {"c~d": "first@mail.test"}, "list": ["twice@mail.test", "twice@mail.test"],
            "x@y.test": "x@y.test", "note": 'quoted "first@mail.test" here'}
    for indent in (None, 2):
        text = json.dumps(data, indent=indent)
        lines = text.split("\n")
        template = Item(value="", pointer=None, site=NoSite(), where="json")
        items = [item for item in iter_flatten(data, Doc(text, FileSite(text)), template) if item.where == "json"]
        assert [item.pointer for item in items] == ["/a~1b/c~0d", "/list/0", "/list/1", "/x@y.test", "/note"]
        places = []
        for item in items:
            line, column = item.site.position(0)
            assert lines[line - 1][column - 1:].startswith(item.value.replace('"', '\\"')), (indent, item.pointer)
            places.append((line, column))
        assert len(set(places)) == len(places)  # the two equal list items: two places
