"""The traffic vocabulary (patterns/_traffic.yaml): data classes of findings, auth paths, cache directives."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from leakscan.resources import data_table


@dataclass(frozen=True)
class TrafficVocabulary:
    class_prefixes: tuple[tuple[str, tuple[str, ...]], ...]  # (class, rule id prefixes), first match wins
    category_classes: dict[str, str]
    personal: frozenset[str]
    credentials: frozenset[str]
    auth_paths: frozenset[str]
    no_store: frozenset[str]
    loopback_hosts: frozenset[str]

    def data_class(self, rule_id: str, category: str) -> str | None:
        """The data class a finding of this rule stands for; None for exposure findings."""
        if category == "exposure":
            return None
        for name, prefixes in self.class_prefixes:
            if any(rule_id == p or rule_id.startswith((p + ".", p + "-")) for p in prefixes):
                return name
        return self.category_classes.get(category)

    def is_sensitive(self, data_class: str) -> bool:
        return data_class in self.personal or data_class in self.credentials


@functools.lru_cache(maxsize=1)
def vocabulary() -> TrafficVocabulary:
    data = data_table("_traffic.yaml")
    return TrafficVocabulary(
        class_prefixes=tuple((str(e["class"]), tuple(str(r) for r in e["rules"])) for e in data["data_classes"]),
        category_classes={str(k): str(v) for k, v in data["category_classes"].items()},
        personal=frozenset(str(c) for c in data["personal"]),
        credentials=frozenset(str(c) for c in data["credentials"]),
        auth_paths=frozenset(str(p).lower() for p in data["auth_paths"]),
        no_store=frozenset(str(d).lower() for d in data["no_store"]),
        loopback_hosts=frozenset(str(h).lower() for h in data["loopback_hosts"]),
    )
