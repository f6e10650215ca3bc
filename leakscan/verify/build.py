"""A verifier's request templates filled with the secret and its parts: the request, and its masked description."""
from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote, urlencode

from leakscan.rules.verifiers import PLACEHOLDER, VerifierSpec
from leakscan.verify.http import Prepared
from leakscan.verify.signing import sign_request

LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


class BuildError(ValueError):
    """The secret or a part cannot go where the template puts it (a newline in a header, a dot in a host label)."""


def base_url(spec: VerifierSpec, values: dict[str, str], overrides: dict[str, str]) -> tuple[str, bool]:
    """The base URL and whether the user named it (--verify-endpoint, which alone may reach private hosts)."""
    if spec.provider in overrides:
        return overrides[spec.provider], True
    shapes = {p.name: p.shape for p in spec.parts}

    def host_part(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values[name]
        if shapes.get(name) == "url":
            return value.rstrip("/")
        if not LABEL.fullmatch(value):
            raise BuildError(f"{name} is not a host name label")
        return value

    return PLACEHOLDER.sub(host_part, spec.request.base), False


def build_request(spec: VerifierSpec, values: dict[str, str], base: str) -> Prepared:
    req = spec.request
    url = base + _fill(req.path, values, lambda v: quote(v, safe=":@-._~"))
    if req.query:
        url += "?" + urlencode([(k, _fill(v, values)) for k, v in req.query])
    headers = [(k, _header(_fill(v, values))) for k, v in req.headers]
    if req.basic is not None:
        user, password = (_fill(t, values) for t in req.basic)
        headers.append(("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()))
    body: bytes | None = None
    if req.form:
        body = urlencode([(k, _fill(v, values)) for k, v in req.form]).encode()
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    elif req.json_body is not None:
        body = json.dumps(_fill_json(json.loads(req.json_body), values)).encode()
        headers.append(("Content-Type", "application/json"))
    headers.append(("User-Agent", "leakscan-verify"))
    prepared = Prepared(req.method, url, tuple(headers), body)
    if req.sign is not None:
        params = {k: _fill(v, values) for k, v in req.sign.params}
        prepared = sign_request(req.sign.scheme, params, prepared)
    return prepared


def describe(prepared: Prepared, secrets: list[str]) -> str:
    """The request as --verify-dry-run prints it: every secret and part masked wherever it sits."""
    text = f"{prepared.method} {prepared.url}"
    shown = [f"{k}: {v}" for k, v in prepared.headers if k.lower() not in ("user-agent", "content-type")]
    if shown:
        text += " [" + "; ".join(shown) + "]"
    if prepared.body:
        text += f" body: {prepared.body.decode('utf-8', 'replace')}"
    return mask_all(text, secrets)


def mask_all(text: str, secrets: list[str]) -> str:
    """TEXT with each secret (as written, percent-encoded, JSON-escaped or in base64 basic auth) masked."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote(secret, safe=":@-._~"), json.dumps(secret)[1:-1]}:
            text = text.replace(form, _mask(secret))
    return re.sub(r"(Basic |Authorization: (?:SharedKey|AWS4-HMAC-SHA256) )\S+", r"\1****", text)


def _mask(secret: str) -> str:
    keep = 4 if len(secret) >= 16 else 0
    return secret[:keep] + "****"


def _fill(template: str, values: dict[str, str], encode: Any = None) -> str:
    return PLACEHOLDER.sub(lambda m: encode(values[m.group(1)]) if encode else values[m.group(1)], template)


def _fill_json(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, str):
        return _fill(node, values)
    if isinstance(node, list):
        return [_fill_json(n, values) for n in node]
    if isinstance(node, dict):
        return {k: _fill_json(v, values) for k, v in node.items()}
    return node


def _header(value: str) -> str:
    if any(c in value for c in "\r\n\0"):
        raise BuildError("a header value would hold a line break")
    return value
