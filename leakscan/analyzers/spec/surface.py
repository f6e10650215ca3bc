"""Credentials a spec asks clients to put in URLs (url-token).

API keys sent in the query string (apiKey schemes `in: query`) and query or
path parameters named like credentials.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from leakscan.analyzers.fields import normalise
from leakscan.analyzers.spec.context import SpecContext, also_at
from leakscan.analyzers.spec.vocab import vocabulary
from leakscan.analyzers.spec.walk import member, parameters, root, security_schemes
from leakscan.model import Adjustment, Candidate
from leakscan.sources.openapi import Node


def detect(ctx: SpecContext) -> list[Candidate]:
    found = [*apikey_in_query(ctx), *credential_params(ctx)]
    return [c for c in found if c is not None]


def query_api_keys(ctx: SpecContext) -> Iterator[tuple[str, Node]]:
    """(name, scheme) of the apiKey security schemes sent in the URL (`in: query`, or `in: path`, which
    OpenAPI does not define but specs write)."""
    for name, scheme in security_schemes(ctx.doc, ctx.refs, ctx.version):
        value = scheme.value
        if str(value.get("type", "")).lower() == "apikey" and str(value.get("in", "")).lower() in ("query", "path"):
            yield name, scheme


def apikey_in_query(ctx: SpecContext) -> Iterator[Candidate | None]:
    used = _required_schemes(ctx)
    for name, scheme in query_api_keys(ctx):
        value = scheme.value
        where = "path" if str(value.get("in", "")).lower() == "path" else "query string"
        reasons = [Adjustment(f"apiKey scheme {name!r} sends {value.get('name', '?')!r} in the {where}", 0.0)]
        if name in used:
            reasons.append(Adjustment("required by the API's security requirements", 0.05))
        yield ctx.structural("openapi.apikey-in-query", scheme, str(value.get("name", "")), reasons)


def _required_schemes(ctx: SpecContext) -> set[str]:
    names: set[str] = set()
    owners = [root(ctx.doc)] + [op.node for op in ctx.operations]
    for owner in owners:
        requirements = owner.value.get("security") if isinstance(owner.value, dict) else None
        for requirement in requirements if isinstance(requirements, list) else ():
            if isinstance(requirement, dict):
                names.update(str(k) for k in requirement)
    return names


def credential_params(ctx: SpecContext) -> Iterator[Candidate | None]:
    """One finding per credential parameter (place and name) of a document, at its first definition;
    the other operations that take it are listed, not reported again."""
    uses: dict[tuple[str, str], list[str]] = {}
    first: dict[tuple[str, str], tuple[Node, str]] = {}
    by_scheme = {(str(s.value.get("in", "")).lower(), normalise(str(s.value.get("name", ""))))
                 for _, s in query_api_keys(ctx)}
    for op in ctx.operations:
        for param in parameters(op, ctx.refs):
            why = _credential_param(param.value, op.path)
            key = (str(param.value.get("in")).lower(), normalise(str(param.value.get("name", ""))))
            if why is None or key in by_scheme:
                continue  # not a credential, or the apiKey scheme that sends it is reported already
            if key not in uses:
                uses[key], first[key] = [], (param, why)
            if op.label not in uses[key]:
                uses[key].append(op.label)
    for param in declared_parameters(ctx):  # components/parameters: reported even when nothing uses them
        why = _credential_param(param.value, "")
        key = (str(param.value.get("in")).lower(), normalise(str(param.value.get("name", ""))))
        if why is not None and key not in by_scheme and key not in uses:
            uses[key], first[key] = [], (param, why)
    for key, labels in uses.items():
        param, why = first[key]
        value = param.value
        owner = labels[0] if labels else "the reusable parameters (referenced by no operation)"
        reasons = [Adjustment(f"{value.get('in')} parameter {value.get('name')!r} of {owner}", 0.0)]
        if why != "name":
            reasons.append(Adjustment(why, -0.05))
        if value.get("required") is True:
            reasons.append(Adjustment("required parameter", 0.05))
        yield ctx.structural("openapi.param.credential-in-url", param, str(value.get("name", "")), reasons,
                             also_at(labels[1:]))


def declared_parameters(ctx: SpecContext) -> Iterator[Node]:
    """Reusable parameter objects: 3.x `components/parameters`, 2.0 top-level `parameters`."""
    table = root(ctx.doc).child("parameters") if ctx.version.startswith("2") else \
        root(ctx.doc).child("components", "parameters")
    if table is None or not isinstance(table.value, dict):
        return
    for name in list(table.value):
        param = ctx.refs.resolve(member(table, name))
        if param is not None and isinstance(param.value, dict):
            yield param


def _credential_param(param: dict[str, Any], path: str) -> str | None:
    """Why a query or path parameter carries a credential ("name" or the description's word), or None."""
    place = str(param.get("in", "")).lower()
    if place not in ("query", "path"):
        return None
    raw_name = str(param.get("name", ""))
    name = normalise(raw_name)
    nested = param.get("schema")
    schema: dict[str, Any] = nested if isinstance(nested, dict) else param
    if schema.get("type") in ("boolean", "integer", "number", "array", "object") or "enum" in schema:
        return None  # a flag, a count or a fixed choice is not a credential
    vocab = vocabulary()
    description = str(param.get("description", ""))
    if _paginates(description):
        return None  # "page token", "continuation token": not a credential
    if place == "path" and (name in vocab.path_exempt_params or _names_collection_item(path, raw_name)
                            or vocab.reference_words.search(description)):
        return None  # a path names a resource: `/accounts/{userToken}` "The ID for the user"
    if name in vocab.credential_params:
        return "name"
    if name in vocab.ambiguous_params:
        word = next((w for w in vocab.param_description_words if w in description.lower()), None)
        if word:
            return f"description says {word!r}"
    return None


def _paginates(description: str) -> bool:
    return bool(re.search(r"\b(pagination|paginat|next page|page token|continuation|cursor)", description, re.I))


def _names_collection_item(path: str, name: str) -> bool:
    """`/apikeys/{api_Key}`, `/tokens/{token}`: the parameter picks an item of the collection before it."""
    segments = path.split("/")
    marker = "{" + name + "}"
    if marker not in segments:
        return False
    index = segments.index(marker)
    if index == 0:
        return False
    collection = normalise(segments[index - 1])
    return collection.rstrip("s") == normalise(name).rstrip("s") or collection == normalise(name) + "es"
