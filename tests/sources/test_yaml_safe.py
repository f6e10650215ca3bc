from __future__ import annotations

import pytest

from leakscan.sources.yaml_safe import YamlLoadError, compose, to_data

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=False))


def load(text: str):
    return to_data(compose(text))


def test_plain_types_and_keys_as_text():
    data = load("responses:\n  200: {description: ok}\n  default: {}\nn: 3\nf: 1.5\nb: true\nz: null\nd: 2024-01-02\n")
    assert list(data["responses"]) == ["200", "default"]  # a response code stays the key "200"
    assert (data["n"], data["f"], data["b"], data["z"]) == (3, 1.5, True, None)
    assert data["d"] == "2024-01-02"  # timestamps stay text: no objects are built


def test_tags_never_build_objects():
    data = load("x: !!python/object/apply:os.system ['echo hi']\ny: !Ref Foo\n")
    assert data["y"] == "Foo"
    assert data["x"] == ["echo hi"]


def test_aliases_share_and_merge_keys_apply():
    data = load("base: &b {type: object, id: 1}\nchild:\n  <<: *b\n  id: 2\nsame: *b\n")
    assert data["child"] == {"type": "object", "id": 2}
    assert data["same"] is data["base"]  # an alias is the same object, never a copy


def test_alias_bomb_is_rejected():
    with pytest.raises(YamlLoadError, match="alias"):
        load(BOMB)


def test_recursive_alias_is_rejected():
    with pytest.raises(YamlLoadError, match="recursive"):
        load("a: &a [1, *a]\n")


def test_deep_flow_nesting_is_refused_before_libyaml_sees_it():
    with pytest.raises(YamlLoadError, match="nested"):
        compose("[" * 100_000 + "]" * 100_000)


def test_invalid_yaml_names_the_line():
    with pytest.raises(YamlLoadError, match="line 3"):
        compose("a: 1\nb: [unclosed\nc: 2\n")
