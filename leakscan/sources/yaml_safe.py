"""YAML to plain data, safely and with bounded alias expansion.

The text is only composed (libyaml when available): no tag ever builds an
object, and an alias is a reference to the anchored node, so composing an
alias bomb costs nothing. Converting the node graph keeps that sharing (an
alias becomes the same Python object) and sums the size the document would
have expanded to; past the bound the document is rejected, before anything
walks it. Deep flow nesting, which can crash libyaml's recursive composer,
is refused up front.
"""
from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from leakscan.sources.positions import MERGE_TAG, mapping_pairs, scalar_key

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

# Nodes an expanded document may have beyond its own size; an alias bomb
# reaches this after a handful of levels, a spec reusing anchors never does.
MAX_EXPANDED_NODES = 1_000_000
EXPANSION_RATIO = 20
MAX_FLOW_DEPTH = 2000
_BRACKETS = re.compile(r"[\[\]{}]")

_STR = "tag:yaml.org,2002:str"
_CONSTRUCT = {
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
}


class YamlLoadError(ValueError):
    """The text is not YAML this scanner accepts; the message says why and where."""


def compose(text: str) -> yaml.Node | None:
    _check_flow_depth(text)
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        where = f" at line {exc.problem_mark.line + 1}" if exc.problem_mark else ""
        raise YamlLoadError(f"invalid YAML{where}: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise YamlLoadError(f"invalid YAML: {exc}") from exc


def _check_flow_depth(text: str) -> None:
    if text.count("[") + text.count("{") < MAX_FLOW_DEPTH:
        return
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_FLOW_DEPTH:
        raise YamlLoadError(f"flow collections nested {deepest} deep (limit {MAX_FLOW_DEPTH})")


def to_data(root: yaml.Node) -> Any:
    """Plain dicts, lists and scalars; mapping keys are their scalar text."""
    try:
        return _Converter().convert(root)
    except RecursionError as exc:
        raise YamlLoadError("YAML nested too deep") from exc


class _Converter:
    def __init__(self) -> None:
        self.objects: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}
        self.open: set[int] = set()
        self.constructor = SafeConstructor()

    def convert(self, node: yaml.Node) -> Any:
        key = id(node)
        if key in self.objects:
            if key in self.open:
                raise YamlLoadError(f"recursive YAML alias at line {node.start_mark.line + 1}")
            return self.objects[key]
        if isinstance(node, yaml.ScalarNode):
            self.sizes[key] = 1
            value = self.objects[key] = self._scalar(node)
            return value
        self.open.add(key)
        if isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            self.objects[key] = items
            items.extend(self.convert(child) for child in node.value)
            children = node.value
        else:
            assert isinstance(node, yaml.MappingNode)  # the composer builds scalar, sequence and mapping nodes only
            mapping: dict[str, Any] = {}
            self.objects[key] = mapping
            pairs = mapping_pairs(node)
            for name, (_, value_node) in pairs.items():
                mapping[name] = self.convert(value_node)
            children = [value for _, value in pairs.values()]
        self.open.discard(key)
        self._account(node, 1 + sum(self.sizes[id(child)] for child in children))
        return self.objects[key]

    def _account(self, node: yaml.Node, size: int) -> None:
        self.sizes[id(node)] = size
        if size > MAX_EXPANDED_NODES and size > EXPANSION_RATIO * len(self.objects):
            raise YamlLoadError(
                f"YAML aliases expand to more than {MAX_EXPANDED_NODES} nodes from {len(self.objects)} "
                f"(alias bomb?) at line {node.start_mark.line + 1}")

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        build = _CONSTRUCT.get(node.tag)
        if build is None or node.style:  # strings, timestamps, binary and unknown tags stay text
            return node.value
        try:
            return build(self.constructor, node)
        except (ValueError, TypeError, yaml.YAMLError):
            return node.value


__all__ = ["YamlLoadError", "compose", "to_data", "scalar_key", "MERGE_TAG"]
