from __future__ import annotations

import json

from leakscan.sources.positions import JsonPositions, YamlPositions
from leakscan.sources.yaml_safe import compose

JSON_TEXT = """{
  "paths": {
    "/a\\"b": {"get": {"x": "v\\n\\"q\\""}},
    "/users/{id}": {
      "get": {
        "parameters": [
          {"name": "id"},
          {
            "name": "token"
          }
        ]
      }
    }
  },
  "list": [1, [2, 3], {"k": null}]
}"""


def test_json_keys_items_and_escapes():
    assert json.loads(JSON_TEXT)  # the fixture is valid JSON
    pos = JsonPositions(JSON_TEXT)
    users = pos.locate("/paths/~1users~1{id}")
    assert (users.line, users.column) == (4, 5)
    assert pos.locate("/paths/~1users~1{id}/get/parameters/1").line == 8  # an item is where its "{" is
    assert pos.locate("/paths/~1users~1{id}/get/parameters/1/name").line == 9
    name = pos.locate("/paths/~1users~1{id}/get/parameters/0/name")
    assert (name.line, name.value_line, name.value_column) == (7, 7, 21)  # value column is inside the quotes
    assert pos.locate('/paths/~1a"b/get/x').line == 3  # keys with escapes are compared decoded
    assert pos.locate("/list/1/1").line == 15
    assert pos.locate("/list/2/k").line == 15
    assert pos.locate("") .line == 1


def test_json_missing_pointers_are_none():
    pos = JsonPositions(JSON_TEXT)
    assert pos.locate("/paths/nope") is None
    assert pos.locate("/list/9") is None
    assert pos.locate("/list/0/x") is None  # into a number


YAML_TEXT = """\
openapi: 3.0.3
paths:
  /users/{id}:
    get:
      parameters:
        - name: id
        - name: "token"
      description: |
        first line
        second line
base: &b
  k: v
child:
  <<: *b
  own: 1
codes:
  200: ok
"""


def test_yaml_keys_items_block_and_quoted_scalars():
    pos = YamlPositions(compose(YAML_TEXT), YAML_TEXT)
    assert pos.locate("/paths/~1users~1{id}/get").line == 4
    item = pos.locate("/paths/~1users~1{id}/get/parameters/1")
    assert item.line == 7
    token = pos.locate("/paths/~1users~1{id}/get/parameters/1/name")
    assert (token.value_line, token.value_column) == (7, 18)  # inside the quotes
    block = pos.locate("/paths/~1users~1{id}/get/description")
    assert (block.line, block.value_line, block.value_column) == (8, 9, 9)  # text starts below the "|"
    assert pos.locate("/child/k").line == 12  # a merged key is where the anchor wrote it
    assert pos.locate("/child/own").line == 15
    assert pos.locate("/codes/200").line == 17
    assert pos.locate("/nope") is None


def test_minified_json_line_text_is_capped():
    text = json.dumps({"a": "x" * 10_000})
    pos = JsonPositions(text)
    assert pos.locate("/a").line == 1
    assert len(pos.line_text(1)) <= 2000
