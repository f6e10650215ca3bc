"""Items in, candidates out: rules, structural evidence and structural analyzers together.

Shared by the HAR, raw HTTP, JSON-body and JSON-lines scanners (and usable by
any scanner that can describe its values as items).
"""
from __future__ import annotations

from collections.abc import Sequence

from leakscan.analyzers.capture.field_evidence import field_protos, harmless_key, is_identifier_key, key_kind
from leakscan.analyzers.capture.http_evidence import cookie_protos, header_protos, query_protos, url_protos
from leakscan.analyzers.capture.payload import Context, Item, Proto, evidence, match_items
from leakscan.model import Adjustment


def analyze(items: Sequence[Item], ctx: Context) -> list[Proto]:
    found: list[Proto] = []
    for item, protos in zip(items, match_items(items, ctx), strict=False):
        kind = key_kind(item.key, item.parent_key) if item.key else None
        if protos:
            evidence(protos, item, kind.kind if kind else None, kind is None and is_identifier_key(item.key),
                     harmless_key(item.key))
        protos.extend(_structural(item, ctx))
        if kind is not None and item.where in ("json", "form", "query"):
            protos.extend(field_protos(item, kind, protos, ctx))
        found.extend(protos)
    return found


def _structural(item: Item, ctx: Context) -> list[Proto]:
    where = item.where
    if where == "header":
        return header_protos(item, ctx)
    if where in ("cookie", "set-cookie"):
        return cookie_protos(item, ctx)
    if where == "query":  # form fields are judged by their names as JSON keys are (field_evidence)
        return query_protos(item, ctx)
    if where == "url":
        return url_protos(item, ctx)
    if where == "frames":
        return _frames(item, ctx)
    return []


def _frames(item: Item, ctx: Context) -> list[Proto]:
    rule = ctx.rule("stacktrace.json-frames")
    if rule is None:
        return []
    count = item.value.count("\n") + 1
    return [Proto(rule, item.value, item, 0, len(item.value),
                  [Adjustment(f"{count} frame(s) with files and lines under {item.key!r}", 0.0)])]
