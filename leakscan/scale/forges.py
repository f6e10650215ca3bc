"""Repositories of a GitHub organisation or a GitLab group, listed through their REST APIs."""
from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Any

from leakscan.scale.targets import Target

GITHUB_API = "https://api.github.com"
GITLAB_API = "https://gitlab.com/api/v4"
TOKEN_ENV = {"github": ("GITHUB_TOKEN", "GH_TOKEN"), "gitlab": ("GITLAB_TOKEN",)}
PER_PAGE = 100
MAX_RETRIES = 5


class ForgeError(RuntimeError):
    """Listing failed (unknown organisation, bad token, rate limit past the wait allowed)."""


@dataclass(frozen=True)
class ForgeQuery:
    forge: str  # github | gitlab
    owner: str  # organisation or group (a GitLab group path may hold slashes)
    api: str
    include_archived: bool = False
    include_forks: bool = False
    max_wait: float = 300.0  # longest rate-limit wait, seconds; past it the listing fails


def forge_token(forge: str) -> str | None:
    return next((os.environ[n] for n in TOKEN_ENV[forge] if os.environ.get(n)), None)


def list_repositories(query: ForgeQuery, sleep: Callable[[float], None] = time.sleep) -> list[Target]:
    """Every repository of the organisation or group, filtered: archived and forks left out unless asked."""
    if query.forge == "github":
        owner = urllib.parse.quote(query.owner, safe="")
        first = f"{query.api.rstrip('/')}/orgs/{owner}/repos?per_page={PER_PAGE}&type=all"
        return [_github_target(r) for r in _pages(first, query, sleep) if _keep_github(r, query)]
    group = urllib.parse.quote(query.owner, safe="")
    first = f"{query.api.rstrip('/')}/groups/{group}/projects?per_page={PER_PAGE}&include_subgroups=true"
    return [_gitlab_target(p) for p in _pages(first, query, sleep) if _keep_gitlab(p, query)]


def _keep_github(repo: dict[str, Any], query: ForgeQuery) -> bool:
    return (query.include_archived or not repo.get("archived")) and (query.include_forks or not repo.get("fork"))


def _keep_gitlab(project: dict[str, Any], query: ForgeQuery) -> bool:
    forked = bool(project.get("forked_from_project"))
    return (query.include_archived or not project.get("archived")) and (query.include_forks or not forked)


def _github_target(repo: dict[str, Any]) -> Target:
    return Target(str(repo["full_name"]), str(repo["clone_url"]), "github")


def _gitlab_target(project: dict[str, Any]) -> Target:
    return Target(str(project["path_with_namespace"]), str(project["http_url_to_repo"]), "gitlab")


def _pages(url: str | None, query: ForgeQuery, sleep: Callable[[float], None]) -> Iterator[dict[str, Any]]:
    """Follow the pages: GitHub's Link rel="next", GitLab's X-Next-Page (or its Link header)."""
    while url:
        body, headers = _get(url, query, sleep)
        items = json.loads(body)
        if not isinstance(items, list):
            raise ForgeError(f"{query.forge} answered something other than a list of repositories")
        yield from items
        url = _next_page(url, headers)


def _next_page(url: str, headers: Message) -> str | None:
    for part in (headers.get("Link") or "").split(","):
        match = re.search(r'<([^>]+)>\s*;\s*rel="?next"?', part)
        if match:
            return match.group(1)
    page = (headers.get("X-Next-Page") or "").strip()
    if page:
        parts = urllib.parse.urlsplit(url)
        params = dict(urllib.parse.parse_qsl(parts.query))
        params["page"] = page
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(params)))
    return None


def _get(url: str, query: ForgeQuery, sleep: Callable[[float], None]) -> tuple[bytes, Message]:
    """One page; a rate-limit answer (403/429 with Retry-After or X-RateLimit-Reset) is waited out."""
    request = urllib.request.Request(url, headers=_headers(query.forge))
    waited = 0.0
    for _ in range(MAX_RETRIES + 1):
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - http(s) API URL
                return answer.read(), answer.headers
        except urllib.error.HTTPError as exc:
            wait = _rate_limit_wait(exc.code, exc.headers)
            if wait is None:
                raise ForgeError(f"{query.forge} API: HTTP {exc.code} for {_without_query(url)}") from exc
            if waited + wait > query.max_wait:
                raise ForgeError(f"{query.forge} API: rate limited; the reset is {wait:.0f} s away "
                                 f"(more than --max-wait {query.max_wait:.0f} s)") from exc
            sleep(wait)
            waited += wait
        except urllib.error.URLError as exc:
            raise ForgeError(f"{query.forge} API: {exc.reason}") from exc
    raise ForgeError(f"{query.forge} API: still rate limited after {MAX_RETRIES} waits")


def _rate_limit_wait(status: int, headers: Message) -> float | None:
    """Seconds to wait before asking again, or None when the answer is not a rate limit."""
    if status not in (403, 429):
        return None
    retry_after = headers.get("Retry-After")
    if retry_after and retry_after.strip().isdigit():
        return float(retry_after)
    reset = headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset")
    if reset and reset.strip().isdigit() and (status == 429 or headers.get("X-RateLimit-Remaining") == "0"
                                              or headers.get("RateLimit-Remaining") == "0"):
        return max(0.0, float(reset) - time.time()) + 1
    return 60.0 if status == 429 else None


def _headers(forge: str) -> dict[str, str]:
    headers = {"User-Agent": "leakscan", "Accept": "application/json"}
    token = forge_token(forge)
    if token and forge == "github":
        headers["Authorization"] = f"Bearer {token}"
        headers["Accept"] = "application/vnd.github+json"
    elif token:
        headers["PRIVATE-TOKEN"] = token
    return headers


def _without_query(url: str) -> str:
    return urllib.parse.urlsplit(url)._replace(query="").geturl()
