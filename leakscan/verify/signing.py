"""Signed requests driven by verifier data: AWS SigV4, Azure storage SharedKey, Google service-account JWT."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from datetime import datetime, timezone
from email.utils import formatdate
from urllib.parse import parse_qsl, quote, urlsplit

from leakscan.verify.http import Prepared


class SigningError(ValueError):
    """The credential cannot sign (not base64, not a private key); the message never quotes it."""


def sign_request(scheme: str, params: dict[str, str], request: Prepared, now: float | None = None) -> Prepared:
    moment = time.time() if now is None else now
    if scheme == "aws-sigv4":
        return aws_sigv4(request, params, moment)
    if scheme == "azure-shared-key":
        return azure_shared_key(request, params, moment)
    if scheme == "google-jwt-bearer":
        return google_jwt_bearer(request, params, moment)
    raise SigningError(f"unknown signing scheme {scheme}")


def _host_header(url: str) -> str:
    return urlsplit(url).netloc


def aws_sigv4(request: Prepared, params: dict[str, str], now: float) -> Prepared:
    """AWS Signature Version 4 over host and x-amz-date (AWS IAM guide, "Signature Version 4 for API requests")."""
    stamp = datetime.fromtimestamp(now, timezone.utc)
    amz_date, day = stamp.strftime("%Y%m%dT%H%M%SZ"), stamp.strftime("%Y%m%d")
    parts = urlsplit(request.url)
    host = _host_header(request.url)
    payload_hash = hashlib.sha256(request.body or b"").hexdigest()
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(parse_qsl(parts.query)))
    canonical = "\n".join([request.method, quote(parts.path or "/", safe="/-_.~"), query,
                           f"host:{host}\nx-amz-date:{amz_date}\n", "host;x-amz-date", payload_hash])
    scope = f"{day}/{params['region']}/{params['service']}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + params["secret"]).encode()
    for piece in (day, params["region"], params["service"], "aws4_request"):
        key = hmac.new(key, piece.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    auth = (f"AWS4-HMAC-SHA256 Credential={params['key_id']}/{scope}, SignedHeaders=host;x-amz-date, "
            f"Signature={signature}")
    headers = (*request.headers, ("Host", host), ("X-Amz-Date", amz_date), ("Authorization", auth))
    return Prepared(request.method, request.url, headers, request.body)


def azure_shared_key(request: Prepared, params: dict[str, str], now: float) -> Prepared:
    """Azure Storage Shared Key (learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key)."""
    try:
        key = base64.b64decode(params["key"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SigningError("the account key is not base64") from exc
    parts = urlsplit(request.url)
    ms_headers = {"x-ms-date": formatdate(now, usegmt=True), "x-ms-version": params.get("version", "2021-08-06")}
    resource = f"/{params['account']}{parts.path or '/'}" + "".join(
        f"\n{k.lower()}:{v}" for k, v in sorted(parse_qsl(parts.query)))
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in sorted(ms_headers.items()))
    to_sign = request.method + "\n" * 12 + canonical_headers + resource
    signature = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha256).digest()).decode()
    headers = (*request.headers, *ms_headers.items(), ("Authorization", f"SharedKey {params['account']}:{signature}"))
    return Prepared(request.method, request.url, headers, request.body)


def google_jwt_bearer(request: Prepared, params: dict[str, str], now: float) -> Prepared:
    """A service account's signed JWT exchanged for an access token (RFC 7523; developers.google.com/identity/
    protocols/oauth2/service-account). Signing needs `cryptography`; without it the check is an error."""
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError as exc:  # pragma: no cover - cryptography is usually present
        raise SigningError("signing a service-account token needs the cryptography package") from exc
    pem = params["private_key"].encode()
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningError("the private key does not load") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningError("the private key is not RSA")
    claims = {"iss": params["client_email"], "scope": params["scope"], "aud": params["audience"],
              "iat": int(now), "exp": int(now) + 300}
    signing_input = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()) + "." + _b64url(
        json.dumps(claims, sort_keys=True).encode())
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + signing_input + "." + \
        _b64url(signature)
    headers = tuple(h for h in request.headers if h[0].lower() != "content-type")
    return Prepared(request.method, request.url, (*headers, ("Content-Type", "application/x-www-form-urlencoded")),
                    body.encode())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
