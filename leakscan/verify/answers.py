"""A provider's answer read as the verifier's data says: valid, invalid or error, and a detail without the secret."""
from __future__ import annotations

import json
import re
from typing import Any

from leakscan.rules.verifiers import Condition, VerifierSpec
from leakscan.verify.http import Answer

DETAIL_LIMIT = 200
_MISSING = object()


def judge(spec: VerifierSpec, answer: Answer, secrets: list[str]) -> tuple[str, str]:
    """(status, detail): `invalid` conditions are read first (a 200 with "ok": false is a refusal)."""
    document = _json(answer.body)
    if any(_holds(c, answer, document) for c in spec.invalid):
        return "invalid", clean(f"HTTP {answer.status}: {_error_text(document) or 'credential refused'}", secrets)
    if any(_holds(c, answer, document) for c in spec.valid):
        return "valid", clean(details(spec, answer, document), secrets)
    if answer.status == 429:
        return "error", "rate limited (HTTP 429)"
    return "error", clean(f"unexpected answer: HTTP {answer.status}", secrets)


def details(spec: VerifierSpec, answer: Answer, document: Any) -> str:
    """The account, scopes or owner the provider named (spec.detail), as `name=value` pairs."""
    out = []
    for path in spec.detail:
        if path.startswith("header:"):
            value: Any = answer.header(path[7:])
        elif path.startswith("re:"):
            match = re.search(path[3:], answer.body)
            value = match.group(1) if match else None
        else:
            value = lookup(document, path)
            value = None if value is _MISSING else value
        if value not in (None, "", []):
            label = path.rsplit(".", 1)[-1].removeprefix("header:").removeprefix("re:")
            label = label if not path.startswith("re:") else "match"
            out.append(f"{label}={value if isinstance(value, str) else json.dumps(value)}")
    return ", ".join(out) or f"HTTP {answer.status}"


def clean(text: str, secrets: list[str]) -> str:
    """DETAIL never carries the secret or a part (a provider may echo the token back), nor control characters."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "****")
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text)
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 1] + "…"


def lookup(document: Any, path: str) -> Any:
    node = document
    for key in path.split("."):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return _MISSING
    return node


def _holds(condition: Condition, answer: Answer, document: Any) -> bool:
    if condition.status and answer.status not in condition.status:
        return False
    if condition.body_contains is not None and condition.body_contains not in answer.body:
        return False
    return all(lookup(document, path) == expected for path, expected in condition.json)


def _error_text(document: Any) -> str:
    """The provider's own short error word (`invalid_auth`, "Bad credentials"), when it gives one."""
    for path in ("error.message", "message", "error", "error_description", "detail", "code"):
        value = lookup(document, path)
        if isinstance(value, str) and value:
            return value[:80]
    return ""


def _json(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
