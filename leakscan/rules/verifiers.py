"""Verifiers as data (patterns/_verifiers.yaml): how to ask a provider, read-only, whether a credential is live."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import regex

from leakscan.model import Rule
from leakscan.resources import data_table

VERIFIERS_FILE = "_verifiers.yaml"
PLACEHOLDER = re.compile(r"\$\{([a-z][a-z0-9_]*)\}")
METHODS = frozenset({"GET", "HEAD", "POST"})
PART_SHAPES = frozenset({"text", "label", "url"})
SIGN_SCHEMES = frozenset({"aws-sigv4", "azure-shared-key", "google-jwt-bearer"})
VERIFIER_KEYS = frozenset({"provider", "name", "rules", "docs", "request", "valid", "invalid", "detail", "parts",
                           "rate_per_second", "note"})
REQUEST_KEYS = frozenset({"method", "base", "path", "headers", "query", "basic", "form", "json", "sign"})
CONDITION_KEYS = frozenset({"status", "json", "body_contains"})
PART_KEYS = frozenset({"pattern", "from_secret", "shape", "describe", "unescape"})


class VerifierError(ValueError):
    """A verifier entry is invalid; the message names the provider and the problem."""


@dataclass(frozen=True)
class Condition:
    """One way to read an answer: every given test must hold (status in, JSON paths equal, body holds text)."""

    status: tuple[int, ...] = ()
    json: tuple[tuple[str, Any], ...] = ()
    body_contains: str | None = None


@dataclass(frozen=True)
class PartSpec:
    """A value the request needs besides the secret: found near it in its source, or cut from the secret."""

    name: str
    pattern: str | None = None  # searched in the finding's source text, group 1, the match nearest the finding
    from_secret: str | None = None  # searched in the secret itself, group 1
    shape: str = "text"  # text | label (a DNS label, may sit in the host) | url (an https base URL from content)
    describe: str = ""  # what it is, for "skipped: no <describe> near the secret"
    unescape: bool = False  # the value was written JSON-escaped (\n in a service-account key)


@dataclass(frozen=True)
class SignSpec:
    """A signed request (AWS SigV4, Azure SharedKey, Google JWT bearer), its parameters as templates."""

    scheme: str
    params: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RequestSpec:
    method: str
    base: str  # scheme://host[:port][/prefix]: what --verify-endpoint NAME=URL replaces
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    basic: tuple[str, str] | None = None
    form: tuple[tuple[str, str], ...] = ()
    json_body: str | None = None  # JSON text whose strings are templates
    sign: SignSpec | None = None


@dataclass(frozen=True)
class VerifierSpec:
    provider: str  # the NAME of --verify-endpoint NAME=URL
    name: str
    rules: tuple[str, ...]
    docs: str  # the provider's documentation of the endpoint
    request: RequestSpec
    valid: tuple[Condition, ...]
    invalid: tuple[Condition, ...]
    detail: tuple[str, ...] = ()  # JSON paths (a.b.0), "header:Name" or "re:regex" read for the report
    parts: tuple[PartSpec, ...] = ()
    rate_per_second: float = 2.0

    @property
    def content_host(self) -> bool:
        """The host comes from the scanned content (a self-hosted instance): checked after DNS, never private."""
        return any(p.shape == "url" for p in self.parts)


def load_verifiers(rule_ids: Iterable[str] | None = None) -> tuple[VerifierSpec, ...]:
    """The shipped verifiers, validated; with RULE_IDS, each rule a verifier names must exist."""
    raw = data_table(VERIFIERS_FILE)
    if not isinstance(raw, dict) or not isinstance(raw.get("verifiers"), list):
        raise VerifierError(f"{VERIFIERS_FILE}: needs a 'verifiers' list")
    specs = tuple(parse_verifier(item) for item in raw["verifiers"])
    _check_unique(specs, set(rule_ids) if rule_ids is not None else None)
    return specs


def all_verifiers(rules: list[Rule]) -> tuple[VerifierSpec, ...]:
    """The shipped verifiers and those the loaded RULES carry in their packs (`verify:`), checked together."""
    shipped = load_verifiers(r.id for r in rules)
    custom = tuple(parse_verifier(json.loads(r.verify)) for r in rules if r.verify)
    _check_unique(shipped + custom, {r.id for r in rules})
    return shipped + custom


def _check_unique(specs: tuple[VerifierSpec, ...], known: set[str] | None) -> None:
    providers: set[str] = set()
    owner: dict[str, str] = {}
    for spec in specs:
        if spec.provider in providers:
            raise VerifierError(f"verifier {spec.provider}: duplicate provider")
        providers.add(spec.provider)
        for rid in spec.rules:
            if rid in owner:
                raise VerifierError(f"verifier {spec.provider}: rule {rid} already verified by {owner[rid]}")
            if known is not None and rid not in known:
                raise VerifierError(f"verifier {spec.provider}: no rule {rid}")
            owner[rid] = spec.provider


def parse_verifier(raw: Any, provider_hint: str = "") -> VerifierSpec:
    if not isinstance(raw, dict):
        raise VerifierError(f"verifier {provider_hint}: must be a mapping")
    provider = str(raw.get("provider", provider_hint))
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", provider):
        raise VerifierError(f"verifier {provider!r}: provider must be lowercase letters, digits, - and _")
    where = f"verifier {provider}"
    _known_keys(raw, VERIFIER_KEYS, where)
    rules = raw.get("rules") or []
    if not rules or not all(isinstance(r, str) for r in rules):
        raise VerifierError(f"{where}: rules must be a non-empty list of rule ids")
    parts = tuple(_parse_part(name, value, where) for name, value in _mapping(raw.get("parts"), where).items())
    request = _parse_request(_mapping(raw.get("request"), where), where)
    spec = VerifierSpec(
        provider=provider, name=str(raw.get("name") or provider), rules=tuple(rules),
        docs=_https(raw.get("docs"), f"{where}: docs"), request=request,
        valid=_conditions(raw.get("valid"), f"{where}: valid"),
        invalid=_conditions(raw.get("invalid"), f"{where}: invalid"),
        detail=tuple(str(d) for d in raw.get("detail") or ()), parts=parts,
        rate_per_second=float(raw.get("rate_per_second", 2.0)),
    )
    _check_templates(spec, where)
    if request.method == "POST" and not str(raw.get("note") or "").strip():
        raise VerifierError(f"{where}: a POST needs a note saying why it changes nothing and costs nothing")
    return spec


def _parse_request(raw: dict[str, Any], where: str) -> RequestSpec:
    _known_keys(raw, REQUEST_KEYS, f"{where}: request")
    method = str(raw.get("method", "GET")).upper()
    if method not in METHODS:
        raise VerifierError(f"{where}: method must be one of {', '.join(sorted(METHODS))}")
    base, path = str(raw.get("base") or ""), str(raw.get("path") or "")
    if not path.startswith("/"):
        raise VerifierError(f"{where}: path must start with /")
    if not PLACEHOLDER.fullmatch(base):  # a URL part from content is the whole base; else the documented host
        _https(base.replace("${", "x").replace("}", ""), f"{where}: base")
    basic = raw.get("basic")
    if basic is not None and (not isinstance(basic, list) or len(basic) != 2):
        raise VerifierError(f"{where}: basic is [user, password]")
    sign = raw.get("sign")
    return RequestSpec(
        method=method, base=base, path=path,
        headers=_pairs(raw.get("headers"), where), query=_pairs(raw.get("query"), where),
        basic=(str(basic[0]), str(basic[1])) if basic is not None else None,
        form=_pairs(raw.get("form"), where),
        json_body=json.dumps(raw["json"], sort_keys=True) if raw.get("json") is not None else None,
        sign=_parse_sign(sign, where) if sign is not None else None,
    )


def _parse_sign(raw: Any, where: str) -> SignSpec:
    params = _mapping(raw, where)
    scheme = params.get("scheme")
    if scheme not in SIGN_SCHEMES:
        raise VerifierError(f"{where}: sign scheme must be one of {', '.join(sorted(SIGN_SCHEMES))}")
    return SignSpec(str(scheme), tuple(sorted((str(k), str(v)) for k, v in params.items() if k != "scheme")))


def _parse_part(name: str, raw: Any, where: str) -> PartSpec:
    value = _mapping(raw, f"{where}: part {name}")
    _known_keys(value, PART_KEYS, f"{where}: part {name}")
    shape = value.get("shape", "text")
    if shape not in PART_SHAPES:
        raise VerifierError(f"{where}: part {name}: shape must be one of {', '.join(sorted(PART_SHAPES))}")
    pattern, from_secret = value.get("pattern"), value.get("from_secret")
    if (pattern is None) == (from_secret is None):
        raise VerifierError(f"{where}: part {name}: give pattern or from_secret, one of them")
    for text in (pattern, from_secret):
        if text is not None:
            try:
                if regex.compile(str(text)).groups < 1:
                    raise VerifierError(f"{where}: part {name}: the pattern needs a group 1")
            except regex.error as exc:
                raise VerifierError(f"{where}: part {name}: pattern does not compile: {exc}") from exc
    return PartSpec(name=name, pattern=pattern, from_secret=from_secret, shape=str(shape),
                    describe=str(value.get("describe") or name.replace("_", " ")),
                    unescape=bool(value.get("unescape", False)))


def _check_templates(spec: VerifierSpec, where: str) -> None:
    """Every placeholder names the secret or a part; only label and url parts may stand in the host."""
    shapes = {p.name: p.shape for p in spec.parts} | {"secret": "text"}
    req = spec.request
    texts = [req.path, *(v for _, v in req.headers), *(v for _, v in req.query), *(v for _, v in req.form),
             *(req.basic or ()), req.json_body or "", *(v for _, v in (req.sign.params if req.sign else ()))]
    for text in [req.base, *texts]:
        for name in PLACEHOLDER.findall(text):
            if name not in shapes:
                raise VerifierError(f"{where}: ${{{name}}} names no part")
    whole = PLACEHOLDER.fullmatch(req.base)
    if whole and shapes[whole.group(1)] != "url":
        raise VerifierError(f"{where}: a base that is only ${{{whole.group(1)}}} needs a part of shape url")
    for name in PLACEHOLDER.findall(req.base):
        if shapes[name] == "text" or (shapes[name] == "url" and not whole):
            raise VerifierError(f"{where}: part {name} in the host must be a label, or a url that is the whole base")
    if any(shapes[n] == "url" for t in texts for n in PLACEHOLDER.findall(t)):
        raise VerifierError(f"{where}: a url part may only be the base")


def _conditions(raw: Any, where: str) -> tuple[Condition, ...]:
    if not isinstance(raw, list) or not raw:
        raise VerifierError(f"{where}: needs a list of conditions")
    out = []
    for item in raw:
        cond = _mapping(item, where)
        _known_keys(cond, CONDITION_KEYS, where)
        status = cond.get("status", [])
        statuses = tuple(int(s) for s in (status if isinstance(status, list) else [status]))
        json_tests = tuple(sorted(_mapping(cond.get("json") or {}, where).items()))
        if not statuses and not json_tests and cond.get("body_contains") is None:
            raise VerifierError(f"{where}: a condition needs status, json or body_contains")
        out.append(Condition(statuses, json_tests, cond.get("body_contains")))
    return tuple(out)


def _https(value: Any, where: str) -> str:
    text = str(value or "")
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname:
        raise VerifierError(f"{where}: must be an https URL, got {text!r}")
    return text


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise VerifierError(f"{where}: expected a mapping")
    return {str(k): v for k, v in value.items()}


def _pairs(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(v)) for k, v in _mapping(value, where).items())


def _known_keys(raw: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise VerifierError(f"{where}: unknown key(s): {', '.join(unknown)}")
