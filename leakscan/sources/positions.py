"""Where a JSON Pointer's node sits in the text of a JSON or YAML document.

Lookups are lazy: a scanner asks for the few nodes it reports, so a 20 MB
JSON spec is not indexed node by node. JSON is navigated in its text (keys read
with the C string scanner, skipped values with the C decoder), YAML through the
composed node graph whose marks carry lines and columns.
"""
from __future__ import annotations

import bisect
import json
import json.decoder
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import yaml

from leakscan.sources.lenient_json import skipping_decoder
from leakscan.sources.pointer import split

_WS = re.compile(r"[ \t\n\r]*")
# The string scanner json.loads uses (C where available): a module attribute that typeshed's stub leaves out.
scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_SCALAR = re.compile(r"-?[0-9][0-9.eE+-]*|true|false|null|-?Infinity|NaN")
MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_LINE_TEXT = 2000  # a minified document is one line: keep a readable piece of it


@dataclass(frozen=True)
class Position:
    """Where a node of a parsed document is: its key's and its value's line and column."""

    line: int  # 1-based: the member's key for mapping members, else the node itself
    column: int  # 1-based
    value_line: int  # where the value's text starts (inside the quotes for strings)
    value_column: int


class Positions(Protocol):
    def locate(self, pointer: str) -> Position | None:
        """The position of the node at `pointer`, or None when there is none."""

    def line_text(self, line: int) -> str:
        """The text of a 1-based line ("" when out of range)."""


class Lines:
    """Character offset → (1-based line, 1-based column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def line_col(self, offset: int) -> tuple[int, int]:
        if self._starts is None:  # built on the first lookup only
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def line_text(self, line: int) -> str:
        if self._starts is None:
            self.line_col(0)
        assert self._starts is not None
        if not 1 <= line <= len(self._starts):
            return ""
        start = self._starts[line - 1]
        end = self._starts[line] - 1 if line < len(self._starts) else len(self.text)
        return self.text[start:min(end, start + MAX_LINE_TEXT)].rstrip("\r")


class JsonPositions:
    """Positions in a JSON text that `json.loads` accepted."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines = Lines(text)
        self._decoder = skipping_decoder()  # only ends are wanted: no integer too long
        self._root = _past_ws(text, 0)
        # container offset -> token -> (key offset, value offset)
        self._members: dict[int, dict[str, tuple[int, int]]] = {}

    def line_text(self, line: int) -> str:
        return self._lines.line_text(line)

    def locate(self, pointer: str) -> Position | None:
        key_at = value_at = self._root
        for token in split(pointer):
            members = self._members_of(value_at)
            if members is None or token not in members:
                return None
            key_at, value_at = members[token]
        content = value_at + 1 if self._text.startswith('"', value_at) else value_at
        return Position(*self._lines.line_col(key_at), *self._lines.line_col(content))

    def _members_of(self, at: int) -> dict[str, tuple[int, int]] | None:
        cached = self._members.get(at)
        if cached is None:
            opener = self._text[at:at + 1]
            if opener not in ("{", "["):
                return None
            cached = self._members[at] = self._scan_container(at, opener == "{")
        return cached

    def _scan_container(self, at: int, is_object: bool) -> dict[str, tuple[int, int]]:
        text, ws = self._text, _past_ws
        members: dict[str, tuple[int, int]] = {}
        i = ws(text, at + 1)
        if text[i:i + 1] in ("}", "]"):
            return members
        index = 0
        while True:
            if is_object:
                key, after = scanstring(text, i + 1)
                value_at = ws(text, ws(text, after) + 1)  # past the colon
                members[key] = (i, value_at)  # a repeated key: the last wins, as in json.loads
            else:
                value_at = i
                members[str(index)] = (i, i)
                index += 1
            k = ws(text, self._end_of(value_at))
            if text[k:k + 1] != ",":
                return members
            i = ws(text, k + 1)

    def _end_of(self, at: int) -> int:
        char = self._text[at:at + 1]
        if char == '"':
            return scanstring(self._text, at + 1)[1]
        if char in ("{", "["):
            return self._decoder.raw_decode(self._text, at)[1]
        match = _SCALAR.match(self._text, at)
        return match.end() if match else at + 1


def _past_ws(text: str, at: int) -> int:
    """The offset of the first non-whitespace character at or after AT."""
    match = _WS.match(text, at)
    assert match is not None  # the pattern matches the empty string, so it matches everywhere
    return match.end()


class YamlPositions:
    """Positions from composed YAML nodes; keys compared by their scalar text."""

    def __init__(self, root: yaml.Node, text: str) -> None:
        self._root = root
        self._lines = Lines(text)
        self._members: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}

    def line_text(self, line: int) -> str:
        return self._lines.line_text(line)

    def locate(self, pointer: str) -> Position | None:
        key_node, node = None, self._root
        for token in split(pointer):
            if isinstance(node, yaml.MappingNode):
                pair = self._mapping_members(node).get(token)
                if pair is None:
                    return None
                key_node, node = pair
            elif isinstance(node, yaml.SequenceNode):
                if not token.isdigit() or int(token) >= len(node.value):
                    return None
                key_node, node = None, node.value[int(token)]
            else:
                return None
        anchor = (key_node or node).start_mark
        line, column = self._value_start(node)
        return Position(anchor.line + 1, anchor.column + 1, line, column)

    def _value_start(self, node: yaml.Node) -> tuple[int, int]:
        mark = node.start_mark
        style = getattr(node, "style", None)
        if style in ('"', "'"):
            return mark.line + 1, mark.column + 2
        if style in ("|", ">"):  # block scalar: the text starts on the next line
            following = self._lines.line_text(mark.line + 2)
            return mark.line + 2, len(following) - len(following.lstrip(" ")) + 1
        return mark.line + 1, mark.column + 1

    def _mapping_members(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        cached = self._members.get(id(node))
        if cached is None:
            cached = self._members[id(node)] = mapping_pairs(node)
        return cached


def scalar_key(node: yaml.Node) -> str:
    """Mapping keys by their text: `200:` is the response code "200", not the int."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return f"<{type(node).__name__} at line {node.start_mark.line + 1}>"


def mapping_pairs(node: yaml.MappingNode, _seen: set[int] | None = None) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key text → (key node, value node), `<<` merges applied (explicit keys win)."""
    seen = _seen if _seen is not None else set()
    seen.add(id(node))
    merged: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    own: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if key.tag == MERGE_TAG:
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for source in sources:
                if isinstance(source, yaml.MappingNode) and id(source) not in seen:
                    for name, pair in mapping_pairs(source, seen).items():
                        merged.setdefault(name, pair)
        else:
            own[scalar_key(key)] = (key, value)
    merged.update(own)
    return merged
