"""HTTP structure as evidence: credential headers, session cookies, tokens in URLs, banners.

These are the places a HAR sanitizer scrubs by name; here a name only
proposes, the value decides (long enough, not masked, not a template), and
every finding keeps the exact span of the value inside its header or URL.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from urllib.parse import unquote, unquote_plus

from leakscan.analyzers.capture.field_evidence import looks_masked
from leakscan.analyzers.capture.payload import Context, Item, Proto
from leakscan.analyzers.capture.vocab import vocabulary
from leakscan.analyzers.fields import normalise
from leakscan.engine.entropy import shannon_entropy
from leakscan.model import Adjustment

MIN_CREDENTIAL = 8
_COOKIE_PAIR = re.compile(r"\s*([^=;,\s]{1,200})=([^;]*)")
_PARAM = re.compile(r"(?:^|[?&#;])([^=&#?;\s]{1,100})=([^&#\s\"'<>;]*)")
_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{0,20}://([^/?#@\s:]{1,200}):([^/?#@\s]{1,300})@")
_VERSION = re.compile(r"\d+\.\d+|/\d+")
_TEMPLATE = re.compile(r"^\{\{.*\}\}$|^\$\{.*\}$|^<[^>]+>$|^%[A-Z_]+%$|^:[a-z_]+$")


def header_protos(item: Item, ctx: Context) -> list[Proto]:
    vocab, name, value = vocabulary(), item.key, item.value
    if not value.strip() or vocab.ignored_headers.has(name):
        return []
    norm = normalise(name)
    if vocab.authorization_headers.has(name):
        return _authorization(item, ctx)
    if norm == "cookie" and not item.response:
        return [p for start, cname, cvalue in _cookie_pairs(value) for p in _cookie(item, ctx, cname, cvalue, start)]
    if norm == "setcookie" and item.response:
        pairs = _cookie_pairs(value)[:1]
        return [p for start, cname, cvalue in pairs for p in _cookie(item, ctx, cname, cvalue, start)]
    if vocab.credential_headers.has(name):
        return _credential_header(item, ctx)
    if item.response and vocab.version_headers.has(name) and _VERSION.search(value):
        return _banner(item, ctx)
    if vocab.url_headers.has(name):
        return url_protos(item, ctx)
    return []


def _span(item: Item, value: str, at: int = 0) -> tuple[int, int]:
    start = item.value.find(value, at)
    return (start, start + len(value)) if start >= 0 else (0, len(item.value))


def _authorization(item: Item, ctx: Context) -> list[Proto]:
    rule = ctx.rule("capture.header.authorization")
    text = item.value.strip()
    scheme, _, credentials = text.partition(" ")
    if not credentials.strip():
        scheme, credentials = "", text
    credentials = credentials.strip()
    if rule is None or len(credentials) < MIN_CREDENTIAL or looks_masked(credentials) or _TEMPLATE.match(credentials):
        return []
    start, end = _span(item, credentials)
    proto = Proto(rule, credentials, item, start, end)
    kind = scheme.lower()
    if kind == "basic":
        proto.adjustments.append(_basic(credentials))
    elif kind == "digest" or kind.startswith("aws4-hmac") or kind == "hoba":
        proto.adjustments.append(Adjustment(f"{scheme} carries a per-request signature, not the key itself", -0.25))
    elif scheme:
        proto.adjustments.append(Adjustment(f"{scheme} credentials in the {item.key} header", 0.0))
    return [proto]


def _basic(credentials: str) -> Adjustment:
    try:
        decoded = base64.b64decode(credentials + "=" * (-len(credentials) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return Adjustment("Basic credentials do not decode", -0.4)
    user, colon, password = decoded.partition(":")
    if not colon:
        return Adjustment("Basic credentials are not user:password", -0.4)
    if not password:  # Stripe and others take the API key as the user name
        return Adjustment("Basic credentials decode to a user name (an API key?) and no password", 0.0)
    return Adjustment("Basic credentials decode to user:password", 0.1)


def _credential_header(item: Item, ctx: Context) -> list[Proto]:
    rule = ctx.rule("capture.header.credential")
    value = item.value.strip()
    if rule is None or len(value) < MIN_CREDENTIAL or looks_masked(value) or _TEMPLATE.match(value):
        return []
    start, end = _span(item, value)
    return [Proto(rule, value, item, start, end, [Adjustment(f"credential header {item.key}", 0.0)])]


def _banner(item: Item, ctx: Context) -> list[Proto]:
    rule = ctx.rule("capture.header.version-banner")
    value = item.value.strip()
    if rule is None or looks_masked(value):
        return []
    start, end = _span(item, value)
    # The banner is not a secret: the reason says what it reveals.
    return [Proto(rule, value, item, start, end, [Adjustment(f"{item.key}: {value[:80]}", 0.0)])]


# ---- cookies --------------------------------------------------------------------------

def _cookie_pairs(value: str) -> list[tuple[int, str, str]]:
    return [(m.start(2), m.group(1), m.group(2)) for m in _COOKIE_PAIR.finditer(value)]


def cookie_protos(item: Item, ctx: Context) -> list[Proto]:
    """A HAR cookies[] entry: the item is the value, the key its name."""
    return _cookie(item, ctx, item.key, item.value, 0)


def _cookie(item: Item, ctx: Context, name: str, raw: str, at: int) -> list[Proto]:
    vocab = vocabulary()
    rule = ctx.rule("capture.cookie.session")
    value = raw.strip().strip('"')
    bare = re.sub(r"^__(secure|host)-", "", name, flags=re.I)
    shortest = 4 if vocab.numeric_session_cookies.has(bare) else MIN_CREDENTIAL
    if rule is None or vocab.ignored_cookies.has(bare) or len(value) < shortest or looks_masked(value):
        return []
    if value.lower() in ("deleted", "true", "false", "null", "undefined", "expired"):
        return []
    entropy = shannon_entropy(value)
    adjustments = []
    if vocab.numeric_session_cookies.has(bare):
        adjustments.append(Adjustment(f"cookie {name!r} is a ColdFusion session id (CFID and CFTOKEN log a user in)",
                                      0.0))
    elif vocab.session_cookies.has(bare):
        if entropy < 2.5:
            return []
        adjustments.append(Adjustment(f"cookie {name!r} names a session or auth token", 0.0))
    elif (len(value) >= vocab.unknown_cookie_min_length and entropy >= vocab.unknown_cookie_min_entropy
          and re.search(r"\d", value) and re.search(r"[A-Za-z]", value)):
        adjustments.append(Adjustment(f"cookie {name!r} is not a known session cookie; its value looks random", -0.2))
    else:
        return []
    if item.response:
        adjustments.append(Adjustment("issued by the server (Set-Cookie)", 0.0))
    start, end = _span(item, value, at)
    return [Proto(rule, value, item, start, end, adjustments)]


# ---- URLs -----------------------------------------------------------------------------

def url_params(text: str) -> Iterator[tuple[str, str, int]]:
    """(name, raw value, offset of the value) for each query or fragment parameter."""
    for m in _PARAM.finditer(text):
        if m.group(2):
            yield m.group(1), m.group(2), m.start(2)


def url_protos(item: Item, ctx: Context) -> list[Proto]:
    """Userinfo and credential parameters anywhere in a URL-bearing value."""
    found: list[Proto] = []
    text = item.value
    userinfo = _USERINFO.match(text.strip())
    rule = ctx.rule("capture.url.userinfo")
    if userinfo and rule is not None:
        password = userinfo.group(2)
        start, end = _span(item, password)
        if not looks_masked(password) and not _TEMPLATE.match(unquote(password)):
            found.append(Proto(rule, unquote(password), item, start, end,
                               [Adjustment(f"password for user {unquote(userinfo.group(1))!r} in the URL", 0.0)]))
    # `;jsessionid=` rides in the path itself, before any query string.
    for name, raw, at in url_params(text if "?" in text or "#" in text or ";" in text else ""):
        found.extend(param_protos(item, ctx, name, raw, at))
    return found


def param_protos(item: Item, ctx: Context, name: str, raw: str, at: int) -> list[Proto]:
    """A query/fragment/form parameter whose name says it is a credential."""
    vocab = vocabulary()
    rule = ctx.rule("capture.url.credential-param")
    value = _decode(raw)
    if rule is None or vocab.ignored_params.has(name) or len(value) < 6 or looks_masked(value):
        return []
    if item.where == "form" and name.lower() in vocab.csrf_fields:
        return []  # Laravel's `_token`, Rails' `authenticity_token`: anti-forgery values, not credentials
    if _TEMPLATE.match(value):
        return []
    adjustments = []
    if vocab.strong_params.has(name):
        adjustments.append(Adjustment(f"parameter {name!r} carries a credential", 0.0))
    elif vocab.weak_params.has(name):
        if len(value) < vocab.weak_min_length or shannon_entropy(value) < vocab.weak_min_entropy:
            return []
        adjustments.append(Adjustment(f"parameter {name!r} is generic, but its value looks random", -0.15))
    else:
        return []
    if item.where in ("form",):
        adjustments.append(Adjustment("in a form body, not the URL", 0.0))
    return [Proto(rule, value, item, at, at + len(raw), adjustments)]


def query_protos(item: Item, ctx: Context) -> list[Proto]:
    """A HAR queryString[] entry or a form parameter: the item is the value."""
    return param_protos(item, ctx, item.key, item.value, 0)


def _decode(raw: str) -> str:
    return unquote_plus(raw) if "%" in raw or "+" in raw else raw


def clean_url(url: str, limit: int = 160) -> str:
    """A URL for report headings: no userinfo, parameter values elided."""
    url = _USERINFO.sub(lambda m: m.group(0).split("//", 1)[0] + "//", url, count=1)
    base, sep, rest = url.partition("?")
    if sep:
        names = [p.split("=", 1)[0] for p in re.split(r"[&;]", rest.split("#", 1)[0]) if p]
        base += "?" + "&".join(f"{n}=…" for n in names[:8]) + ("&…" if len(names) > 8 else "")
    else:
        base = base.split("#", 1)[0]
    return base if len(base) <= limit else base[: limit - 1] + "…"
