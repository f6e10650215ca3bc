"""The OpenAPI scanner's vocabulary, loaded from patterns/_openapi.yaml."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from leakscan.analyzers.fields import normalise
from leakscan.resources import data_table


@dataclass(frozen=True)
class ResponseKind:
    rule_id: str
    sample: str  # masked to show the suggested mask
    words: re.Pattern[str]  # confirms an ambiguous name
    not_words: re.Pattern[str] | None  # says the property is something else


@dataclass(frozen=True)
class SpecVocabulary:
    response_kinds: dict[str, ResponseKind]
    ambiguous_properties: frozenset[str]
    public_identifiers: frozenset[str]
    reference_words: re.Pattern[str]
    value_suffixes: tuple[str, ...]
    auth_flow_operations: frozenset[str]
    credential_operations: frozenset[str]
    credential_params: frozenset[str]
    ambiguous_params: frozenset[str]
    path_exempt_params: frozenset[str]
    param_description_words: tuple[str, ...]
    url_credential_params: frozenset[str]
    debug_anywhere: frozenset[str]
    debug_root: frozenset[str]
    admin_anywhere: frozenset[str]
    admin_root: frozenset[str]
    route_prefix: re.Pattern[str]
    local_hosts: frozenset[str]
    local_host_suffixes: tuple[str, ...]
    example_hosts: frozenset[str]


@functools.lru_cache(maxsize=1)
def vocabulary() -> SpecVocabulary:
    data = data_table("_openapi.yaml")
    words, not_words = data["kind_words"], data.get("kind_not_words", {})
    params = data["credential_params"]

    def norm_set(values: list[str]) -> frozenset[str]:
        return frozenset(normalise(v) for v in values)

    def lower_set(values: list[str]) -> frozenset[str]:
        return frozenset(v.lower() for v in values)

    return SpecVocabulary(
        response_kinds={kind: ResponseKind(spec["rule"], str(spec["sample"]), word_pattern(words.get(kind, ())),
                                           word_pattern(not_words[kind]) if kind in not_words else None)
                        for kind, spec in data["response_kinds"].items()},
        ambiguous_properties=norm_set(data["ambiguous_properties"]),
        public_identifiers=norm_set(data["public_identifiers"]),
        reference_words=word_pattern(data["reference_words"], whole=True),
        value_suffixes=tuple(sorted((str(v) for v in data["value_suffixes"]), key=len, reverse=True)),
        auth_flow_operations=norm_set(data["auth_flow_operations"]),
        credential_operations=norm_set(data["credential_operations"]),
        credential_params=norm_set(params["names"]),
        ambiguous_params=norm_set(params["ambiguous"]),
        path_exempt_params=norm_set(params["path_exempt"]),
        param_description_words=tuple(w.lower() for w in params["description_words"]),
        url_credential_params=norm_set(data["url_credential_params"]),
        debug_anywhere=lower_set(data["debug_segments"]["anywhere"]),
        debug_root=lower_set(data["debug_segments"]["root"]),
        admin_anywhere=lower_set(data["admin_segments"]["anywhere"]),
        admin_root=lower_set(data["admin_segments"]["root"]),
        route_prefix=re.compile(data["route_prefixes"], re.I),
        local_hosts=frozenset(h.lower() for h in data["local_hosts"]),
        local_host_suffixes=tuple(h.lower() for h in data["local_host_suffixes"]),
        example_hosts=frozenset(h.lower() for h in data["example_hosts"]),
    )


def word_pattern(words: Iterable[str], whole: bool = False) -> re.Pattern[str]:
    """Any of `words` starting at a word boundary (and ending at one when `whole`), caseless."""
    alternatives = "|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True)) or "(?!)"
    return re.compile(rf"\b(?:{alternatives})" + (r"\b" if whole else ""), re.I)


def host_of(url: str) -> str | None:
    try:
        return (urlsplit(url).hostname or "").lower() or None
    except ValueError:
        return None


def host_kind(url: str) -> str:
    """"local" (a developer machine), "example" (a documentation host) or "remote"."""
    vocab = vocabulary()
    host = host_of(url)
    if host is None or "{" in url.split("//", 1)[-1].split("/", 1)[0]:
        return "local"  # no host, or a templated one we cannot judge
    if host in vocab.local_hosts or host.endswith(vocab.local_host_suffixes) or _private_ip(host):
        return "local"
    if host in vocab.example_hosts or any(host.endswith("." + h) for h in vocab.example_hosts):
        return "example"
    return "remote"


def _private_ip(host: str) -> bool:
    return bool(re.fullmatch(r"10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+", host))


def words_of(text: str) -> set[str]:
    """`/v1/apiKeys/{id}:regenerate` → {v1, apikeys, api, keys, id, regenerate} (normalised)."""
    parts = set()
    for chunk in re.split(r"[^A-Za-z0-9_\-]+", text):
        if not chunk:
            continue
        parts.add(normalise(chunk))
        for piece in re.split(r"[_\-]|(?<=[a-z0-9])(?=[A-Z])", chunk):
            if piece:
                parts.add(piece.lower())
    parts.discard("")
    return parts
