"""Every verifier against a local server answering as its provider documents: live, refused, failing, throttled."""
from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request

from leakscan.rules.loader import load_rules
from leakscan.rules.verifiers import load_verifiers
from tests.verify.helpers import fake_secret, finding_in_file, rsa_pem, run, spec_of
from tests.verify.provider_docs import DOCS, Doc

PROVIDERS = sorted(DOCS)


def test_the_table_covers_every_verifier_and_at_least_forty_providers() -> None:
    shipped = {s.provider for s in load_verifiers(r.id for r in load_rules())}
    assert shipped == set(DOCS)
    assert len(shipped) >= 40


def _secret(doc: Doc) -> str:
    return fake_secret(doc.secret)


def _expect(server: HTTPServer, doc: Doc, secret: str, status: int, body: object) -> None:
    path = doc.path.format(secret=secret, **doc.parts)
    handler = server.expect_oneshot_request(path, method=doc.method)
    if isinstance(body, (dict, list)):
        handler.respond_with_json(body, status=status)
    else:
        handler.respond_with_data(str(body), status=status)


def _verify(provider: str, doc: Doc, secret: str, server: HTTPServer, tmp_path: Path) -> tuple[str, str]:
    spec = spec_of(provider)
    finding = finding_in_file(tmp_path, spec.rules[0], secret, doc.context)
    [result] = run([finding], tmp_path, {provider: server.url_for("").rstrip("/")})
    assert result.verification is not None
    assert secret not in result.verification.detail
    return result.verification.status, result.verification.detail


def _assert_shape(request: Request, doc: Doc, secret: str) -> None:
    """Where the secret went matches the provider's documentation (and nowhere it was not meant to go)."""
    values = {"secret": secret, **doc.parts}
    kind, _, how = doc.sent.partition(":")
    if kind == "header":
        name, _, template = how.partition("=")
        assert request.headers.get(name) == template.format(**values)
    elif kind == "basic":
        user, _, password = how.partition(":")
        expected = base64.b64encode(f"{user.format(**values)}:{password.format(**values)}".encode()).decode()
        assert request.headers.get("Authorization") == f"Basic {expected}"
    elif kind == "query":
        assert request.args.get(how) == secret
    elif kind == "json":
        assert json.loads(request.get_data())[how] == secret
    elif kind == "sigv4":
        auth = request.headers.get("Authorization", "")
        assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={doc.parts['key_id']}/")
        assert "/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=" in auth
        assert parse_qs(request.get_data(as_text=True)) == {"Action": ["GetCallerIdentity"], "Version": ["2011-06-15"]}
    elif kind == "sharedkey":
        assert request.headers.get("Authorization", "").startswith(f"SharedKey {doc.parts['account']}:")
        assert request.args.get("comp") == "list" and request.headers.get("x-ms-version")
    elif kind == "jwt":
        form = parse_qs(request.get_data(as_text=True))
        assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
        claims = json.loads(base64.urlsafe_b64decode(form["assertion"][0].split(".")[1] + "=="))
        assert claims["iss"] == doc.parts["client_email"]
    if kind not in ("sigv4", "sharedkey", "jwt", "path"):  # signed requests never carry the secret itself
        return
    assert secret not in str(request.headers) and secret not in request.get_data(as_text=True) or kind == "path"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_live_answer_is_valid_and_the_request_is_the_documented_one(provider: str, httpserver: HTTPServer,
                                                                      tmp_path: Path) -> None:
    doc = DOCS[provider]
    secret = _secret(doc)
    _expect(httpserver, doc, secret, *doc.valid)
    status, detail = _verify(provider, doc, secret, httpserver, tmp_path)
    assert status == "valid", detail
    assert doc.detail in detail
    [(request, _)] = httpserver.log
    assert request.method == doc.method
    _assert_shape(request, doc, secret)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_refusal_is_invalid(provider: str, httpserver: HTTPServer, tmp_path: Path) -> None:
    doc = DOCS[provider]
    secret = _secret(doc)
    _expect(httpserver, doc, secret, *doc.invalid)
    assert _verify(provider, doc, secret, httpserver, tmp_path)[0] == "invalid"


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [500, 429])
def test_a_server_error_or_throttling_is_an_error_not_a_verdict(provider: str, status: int, httpserver: HTTPServer,
                                                                 tmp_path: Path) -> None:
    doc = DOCS[provider]
    secret = _secret(doc)
    _expect(httpserver, doc, secret, status, {"message": "try later"})
    state, detail = _verify(provider, doc, secret, httpserver, tmp_path)
    assert state == "error"
    assert ("rate limited" if status == 429 else "HTTP 500") in detail


def test_the_service_account_assertion_is_signed_by_the_key_in_the_file(httpserver: HTTPServer,
                                                                        tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    doc = DOCS["gcp-service-account"]
    _expect(httpserver, doc, "", *doc.valid)
    assert _verify("gcp-service-account", doc, _secret(doc), httpserver, tmp_path)[0] == "valid"
    [(request, _)] = httpserver.log
    header, claims, signature = parse_qs(request.get_data(as_text=True))["assertion"][0].split(".")
    public = serialization.load_pem_private_key(rsa_pem().encode(), password=None).public_key()
    public.verify(base64.urlsafe_b64decode(signature + "=="), f"{header}.{claims}".encode(),  # type: ignore[union-attr,call-arg]
                  padding.PKCS1v15(), hashes.SHA256())  # type: ignore[call-arg]
    payload = json.loads(base64.urlsafe_b64decode(claims + "=="))
    assert payload["aud"] == "https://oauth2.googleapis.com/token"
    assert payload["scope"].endswith("cloud-platform.read-only")
