"""What a spec tells an attacker about where the API is weak (exposure).

Plain-http servers, debug and admin endpoints, HTTP Basic over plain http.
Local development hosts are not reported; documentation hosts fall below the
threshold.
"""
from __future__ import annotations

from collections.abc import Iterator

from leakscan.analyzers.spec.context import SpecContext, also_at
from leakscan.analyzers.spec.vocab import host_kind, host_of, vocabulary
from leakscan.analyzers.spec.walk import expand_server_url, member, root, security_schemes, server_urls
from leakscan.model import Adjustment, Candidate
from leakscan.sources.openapi import Node

EXAMPLE_HOST = -0.3
HTTPS_TOO = -0.1


def detect(ctx: SpecContext) -> list[Candidate]:
    found = [*plain_http(ctx), *endpoints(ctx), *basic_over_http(ctx), *oauth_over_http(ctx)]
    return [c for c in found if c is not None]


def plain_http(ctx: SpecContext) -> Iterator[Candidate | None]:
    secure = _https_hosts(ctx)
    for node, url in _http_servers(ctx):
        reasons = [Adjustment(f"server {url} is plain http", 0.0)]
        if host_kind(url) == "example":
            reasons.append(Adjustment("documentation host", EXAMPLE_HOST))
        elif host_of(url) in secure:
            reasons.append(Adjustment("https offered as well", HTTPS_TOO))
        yield ctx.structural("openapi.server.plain-http", node, url, reasons)


def _https_hosts(ctx: SpecContext) -> set[str | None]:
    if ctx.is_swagger2:
        schemes = ctx.doc.data.get("schemes")
        host = ctx.doc.data.get("host")
        https = isinstance(schemes, list) and "https" in [str(s).lower() for s in schemes]
        return {str(host).split(":")[0].lower() if isinstance(host, str) else None} if https else set()
    return {host_of(url) for url in map(expand_server_url, server_urls(ctx.doc, ctx.refs, ctx.version))
            if url.lower().startswith("https://")}


def _http_servers(ctx: SpecContext) -> Iterator[tuple[Node, str]]:
    """(node, URL) of every plain-http server that is not the developer's machine."""
    if ctx.is_swagger2:
        schemes = root(ctx.doc).child("schemes")
        host = ctx.doc.data.get("host")
        base = ctx.doc.data.get("basePath")
        has_host = isinstance(host, str)
        url = f"http://{host}{base if isinstance(base, str) else ''}" if has_host else "http (host not given)"
        if schemes is None or not isinstance(schemes.value, list) or (has_host and host_kind(url) == "local"):
            return
        for index, scheme in enumerate(schemes.value):
            if str(scheme).lower() == "http":
                yield member(schemes, index), url
        return
    for node in server_urls(ctx.doc, ctx.refs, ctx.version):
        url = expand_server_url(node)
        if url.lower().startswith("http://") and host_kind(url) != "local":
            yield node, url


def endpoints(ctx: SpecContext) -> Iterator[Candidate | None]:
    """Debug and admin paths: one finding per rule and document, the other paths listed with it."""
    paths = root(ctx.doc).child("paths")
    if paths is None or not isinstance(paths.value, dict):
        return
    vocab = vocabulary()
    found: dict[str, list[tuple[str, str]]] = {"openapi.endpoint.debug": [], "openapi.endpoint.admin": []}
    for path in paths.value:
        debug = _segment(str(path), vocab.debug_anywhere, vocab.debug_root)
        admin = None if debug else _segment(str(path), vocab.admin_anywhere, vocab.admin_root)
        if debug:
            found["openapi.endpoint.debug"].append((str(path), debug))
        elif admin:
            found["openapi.endpoint.admin"].append((str(path), admin))
    for rule_id, hits in found.items():
        if hits:
            (path, word), rest = hits[0], hits[1:]
            what = "a debug" if "debug" in rule_id else "an admin"
            reason = Adjustment(f"path {path} is {what} endpoint ({word})", 0.0)
            yield ctx.structural(rule_id, member(paths, path), path, [reason],
                                 also_at([p for p, _ in rest]))


def _segment(path: str, anywhere: frozenset[str], at_root: frozenset[str]) -> str | None:
    segments = [s.lower() for s in path.split("/") if s]
    hit = next((s for s in segments if s in anywhere), None)
    if hit:
        return hit
    first = next((s for s in segments if not vocabulary().route_prefix.match(s)), None)
    return first if first in at_root else None


def basic_over_http(ctx: SpecContext) -> Iterator[Candidate | None]:
    servers = list(_http_servers(ctx))
    remote = [url for _, url in servers if host_kind(url) == "remote"] or [url for _, url in servers]
    if not remote:
        return
    for name, scheme in security_schemes(ctx.doc, ctx.refs, ctx.version):
        value = scheme.value
        kind = str(value.get("type", "")).lower()
        basic = kind == "basic" or (kind == "http" and str(value.get("scheme", "")).lower() == "basic")
        if basic:
            reasons = [Adjustment(f"HTTP Basic scheme {name!r} and plain-http server {remote[0]}", 0.0)]
            if all(host_kind(url) == "example" for url in remote):
                reasons.append(Adjustment("documentation host", EXAMPLE_HOST))
            yield ctx.structural("openapi.basic-over-http", scheme, name, reasons)


OAUTH_URL_KEYS = ("authorizationUrl", "tokenUrl", "refreshUrl")
OAUTH_EXAMPLE_HOST = -0.4


def oauth_over_http(ctx: SpecContext) -> Iterator[Candidate | None]:
    """OAuth 2 flows (3.x `flows`, 2.0 flat) whose authorization, token or refresh URL is plain http:
    codes, tokens and client secrets cross the network in clear text."""
    for name, scheme in security_schemes(ctx.doc, ctx.refs, ctx.version):
        if str(scheme.value.get("type", "")).lower() != "oauth2":
            continue
        flows = scheme.child("flows")
        owners = [(str(flow), flows.child(flow)) for flow in flows.value] \
            if flows is not None and isinstance(flows.value, dict) else [(str(scheme.value.get("flow", "")), scheme)]
        for flow, owner in owners:
            if owner is None or not isinstance(owner.value, dict):
                continue
            for key in OAUTH_URL_KEYS:
                url = owner.child(key)
                if url is None or not isinstance(url.value, str) or not url.value.lower().startswith("http://"):
                    continue
                reasons = [Adjustment(f"OAuth scheme {name!r} ({flow} flow) has a plain-http {key} {url.value}", 0.0)]
                if host_kind(url.value) != "remote":  # a sample server nobody logs in to
                    reasons.append(Adjustment("documentation or local host", OAUTH_EXAMPLE_HOST))
                yield ctx.structural("openapi.oauth.plain-http", url, url.value, reasons)
