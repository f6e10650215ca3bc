"""Credentials inside URLs written anywhere in a spec: `user:pass@` and `?access_token=`.

A server URL, an example, a link or a description may carry them. The
credential (password, token value) is the finding's secret, so scoring's
placeholder checks apply; a URL on a documentation host is demoted.
"""
from __future__ import annotations

import re
from dataclasses import replace

from leakscan.analyzers.fields import normalise
from leakscan.analyzers.spec.context import SpecContext
from leakscan.analyzers.spec.vocab import host_kind, vocabulary
from leakscan.engine.context import LineIndex, to_candidate
from leakscan.engine.matcher import RawMatch
from leakscan.model import Adjustment, Candidate, Chunk
from leakscan.suppression.inline import inline_ignored

EXAMPLE_URL = -0.4
# A token shorter than this in a URL is a demo value (`?key=123ABC456`), a password is not.
MIN_TOKEN, MIN_PASSWORD = 12, 6
URL_SCHEMES = "https?|ftps?|sftp|smtps?|git|wss?"
_USERINFO = re.compile(
    rf"\b(?:{URL_SCHEMES})://(?P<user>[^\s:/?#@'\"<>{{}}]{{1,100}})"
    r":(?P<secret>[^\s/?#@'\"<>{}]{1,200})@[\w\[]", re.I)
_QUERY = re.compile(r"[?&;#](?P<name>[A-Za-z0-9_.\-]{1,40})=(?P<secret>[^&#\s'\"<>{}\\]{4,500})")
URL_PATTERNS = (_USERINFO, _QUERY)


def url_credentials(ctx: SpecContext, chunk: Chunk) -> list[Candidate]:
    """`https://user:pass@host` and `?access_token=...` in any string of the spec."""
    found: list[RawMatch] = []
    userinfo = ctx.rule("openapi.url.userinfo")
    query = ctx.rule("openapi.url.query-credential")
    if userinfo:
        found.extend(RawMatch(userinfo, m.group("secret"), *m.span("secret")) for m in _USERINFO.finditer(chunk.text))
    if query:
        names = vocabulary().url_credential_params
        for m in _QUERY.finditer(chunk.text):
            name = normalise(m.group("name"))
            shortest = MIN_PASSWORD if "pass" in name or name == "pwd" else MIN_TOKEN
            if name in names and len(m.group("secret")) >= shortest:
                found.append(RawMatch(query, m.group("secret"), *m.span("secret")))
    if not found:
        return []
    lines = LineIndex(chunk.text)
    candidates = (to_candidate(match, chunk, lines) for match in found)
    return [c for c in candidates if not inline_ignored(c.rule.id, c.line_text, c.before)]


def _url_around(text: str, at: int) -> str:
    """The URL a match sits in: from its scheme (or the last space) to the match."""
    start = max(text.rfind(sep, 0, at) for sep in (" ", "\n", "\t", "(", "<", '"', "'", "`")) + 1
    return text[start:at]


def example_url(cand: Candidate, text: str) -> Candidate:
    """A credential in a URL of a documentation host (`api.example.com`, `example-project`) is a sample."""
    at = text.find(cand.secret)
    url = _url_around(text, at) if at >= 0 else ""
    if "example" in url.lower() or host_kind(url) == "example":
        example = Adjustment("URL of a documentation example", EXAMPLE_URL)
        return replace(cand, adjustments=cand.adjustments + (example,))
    return cand


