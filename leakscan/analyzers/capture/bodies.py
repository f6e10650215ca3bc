"""Request and response bodies as items: JSON followed inside, forms split, text as text.

Bodies are bounded: past MAX_BODY_CHARS only the beginning is scanned and
the scanner says so in `errors`, so one 50 MB upload cannot stall a scan.
"""
from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote_plus

from leakscan.analyzers.capture.http_evidence import url_params
from leakscan.analyzers.capture.jsondoc import LIMITS, Doc, flatten, limit_error, looks_like_json, parse_json
from leakscan.analyzers.capture.payload import Item, derive
from leakscan.analyzers.capture.sites import AnchorSite, ShiftSite, Site
from leakscan.model import ScanError
from leakscan.sources.decode import decode, is_binary

MAX_BODY_CHARS = 8 * 1024 * 1024
_BINARY_MIME = re.compile(
    r"^(image|audio|video|font)/|octet-stream|application/(pdf|zip|gzip|x-gzip|wasm|x-protobuf|protobuf|grpc"
    r"|vnd\.ms-fontobject|x-font|font-|x-shockwave|msword|vnd\.openxmlformats|x-7z|x-rar|x-tar)", re.I)
_CODE_MIME = re.compile(r"javascript|ecmascript|text/css|application/wasm", re.I)


def is_binary_mime(mime: str) -> bool:
    return bool(_BINARY_MIME.search(mime or "")) and "svg" not in (mime or "").lower()


def is_code(mime: str, url: str = "") -> bool:
    """Scripts and stylesheets: secrets count there, personal data does not."""
    path = url.split("?", 1)[0].lower()
    return bool(_CODE_MIME.search(mime or "")) or path.endswith((".js", ".mjs", ".css", ".map"))


def decode_base64(text: str, limit: int) -> tuple[bytes | None, bool]:
    """(bytes or None when it is not base64, truncated to `limit` decoded bytes?)"""
    cut = len(text) > limit * 4 // 3
    body = re.sub(r"\s", "", text[: limit * 4 // 3 + 4] if cut else text)
    if cut:
        body = body[: len(body) - len(body) % 4]
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True), cut
    except (binascii.Error, ValueError):
        return None, False


def body_items(text: str, pointer: str, site: Site, anchor: Site, mime: str, encoding: str,
               template: Item, errors: list[ScanError], path: str, url: str = "") -> list[Item]:
    """Items for one body. `site` maps offsets in `text`; `anchor` is where an undecodable body sits."""
    if not text or is_binary_mime(mime):
        return []
    if encoding.lower() == "base64":
        data, cut = decode_base64(text, MAX_BODY_CHARS)
        if data is None:
            errors.append(ScanError(path, f"{pointer}: body says base64 but does not decode"))
            return []
        if cut:
            errors.append(ScanError(path, f"{pointer}: base64 body of {len(text) * 3 / 4 / 1e6:.1f} MB is over the "
                                          f"{MAX_BODY_CHARS // (1024 * 1024)} MB scan limit; "
                                          "only its beginning was scanned"))
        if is_binary(data):
            return []
        text, site = decode(data)[0], AnchorSite(anchor, 0)
    elif len(text) > MAX_BODY_CHARS:
        errors.append(ScanError(path, f"{pointer}: body of {len(text) / 1e6:.1f} MB is over the "
                                      f"{MAX_BODY_CHARS // (1024 * 1024)} MB scan limit; "
                                      "only its beginning was scanned"))
        text = text[:MAX_BODY_CHARS]
    payload = template.payload and not is_code(mime, url)
    template = derive(template, payload=payload, key="", parent_key="", prefix="", suffix="")
    if "json" in mime.lower() or looks_like_json(text):
        data, error = parse_json(text)
        if error in LIMITS:
            errors.append(ScanError(path, f"{pointer or 'body'}: {limit_error(error, data, 'body')}"))
        if isinstance(data, (dict, list)):
            return flatten(data, Doc(text, site, pointer + "#", 1), derive(template, where="json"))
    if "x-www-form-urlencoded" in mime.lower():
        return form_items(text, pointer, site, template)
    return [derive(template, value=text, pointer=pointer, site=site, where="body")]


def form_items(text: str, pointer: str, site: Site, template: Item) -> list[Item]:
    items = [derive(template, value=text, pointer=pointer, site=site, where="body")]
    for name, raw, at in url_params(text):
        value = unquote_plus(raw)
        items.append(derive(template, value=value, pointer=pointer, site=ShiftSite(site, at), where="form",
                             key=unquote_plus(name), prefix=f"{unquote_plus(name)}="))
    return items
