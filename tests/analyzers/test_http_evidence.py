from __future__ import annotations

import base64

import pytest

from leakscan.analyzers.capture.http_evidence import clean_url, url_params
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk


def _scan(engine, message: str):
    return scan_chunk(Chunk(message, Origin(kind="file", path="dump.http")), engine)[0]


def _request(*headers: str, target: str = "/v1/me") -> str:
    return f"GET {target} HTTP/1.1\nHost: api.example.net\n" + "\n".join(headers) + "\n\n"


def test_basic_credentials_decoding(engine):
    good = base64.b64encode(b"deploy:Zx8Qp2Lr7Vt4").decode()
    (finding,) = _scan(engine, _request(f"Authorization: Basic {good}"))
    assert "Basic credentials decode to user:password: +0.10" in finding.reasons
    no_password = base64.b64encode(b"deploy-user-only").decode()
    assert _scan(engine, _request(f"Authorization: Basic {no_password}")) == []


@pytest.mark.parametrize("cookie,reported", [
    ("JSESSIONID=0F232BB24BE339849131A85507C1D2E3", True),
    ("__Host-next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0x", True),
    ("_ga=GA1.2.1781263544.1714550400", False),
    ("theme=dark; lang=en-GB", False),
    ("xq7=Zx8Qp2Lr7Vt4Ny6Mk1Hs9Gd3Fb5Jc0Wa", True),  # unknown name, random value: reported lower
    ("prefs=compact-view-enabled-for-all", False),
    ("CFID=4815162; CFTOKEN=93218470", True),  # ColdFusion: numeric, still a session
    ("CFID=12", False),
    ("ASP.NET_SessionId=kq2vbtcdm1c0wz35a4lyx0hr", True),
    ("connect.sid=s%3AZx8Qp2Lr7Vt4Ny6Mk1Hs9Gd3.Fb5Jc0WaPq9Lm2Nx8Vb4Cz7Dk1Hs3", True),
])
def test_cookies(engine, cookie, reported):
    found = [f for f in _scan(engine, _request(f"Cookie: {cookie}")) if f.rule_id == "capture.cookie.session"]
    assert bool(found) is reported


@pytest.mark.parametrize("target,reported", [
    ("/cb?code=jHGb3CXlMaXZjljENUhJduRH&state=xyz", True),
    ("/countries?code=DE", False),
    ("/feed?key=Zx8Qp2Lr7Vt4Ny6Mk1Hs9Gd3", True),
    ("/feed?key=title", False),
    ("/list?page=2&nextPageToken=Zx8Qp2Lr7Vt4Ny6Mk1Hs9Gd3Fb5Jc0Wa", False),
    ("/cart.do;jsessionid=0F232BB24BE339849131A85507C1D2E3", True),  # URL rewriting, no query string
    ("/index.cfm?CFID=4815162&CFTOKEN=93218470", True),
    ("/authorize?state=Zx8Qp2Lr7Vt4Ny6Mk1Hs9Gd3Fb5Jc0Wa&nonce=Pq9Lm2Nx8Vb4Cz7Dk1Hs3", False),  # OAuth per-request
    ("/authorize?code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256", False),
    ("/api/items?_=1764496800123&v=4f1c9a2b", False),  # cache-busters
    ("/s3/f.pdf?X-Amz-Credential=AKIAZ7Q3N5L2XYWB4P6D%2F20240501%2Fus-east-1%2Fs3%2Faws4_request", True),
])
def test_url_parameters(engine, target, reported):
    # X-Amz-Credential holds an access key id: the AWS rule may take it first, as a secret.
    found = [f for f in _scan(engine, _request(target=target)) if f.category in ("url-token", "secret")]
    assert bool(found) is reported


def test_version_banner_only_in_responses_and_only_with_a_version(engine):
    (banner,) = _scan(engine, "HTTP/1.1 200 OK\nX-Powered-By: Express/4.18.2\n\n")
    assert banner.masked == "Express/*.**.*"
    assert _scan(engine, "HTTP/1.1 200 OK\nX-Powered-By: Express\n\n") == []


def test_clean_url_and_params():
    assert clean_url("https://u:p@h.example/a?x=1&access_token=abc#frag") == "https://h.example/a?x=…&access_token=…"
    assert list(url_params("/a?b=1&c=&d=x%2Fy#e=f")) == [("b", "1", 5), ("d", "x%2Fy", 12), ("e", "f", 20)]


@pytest.mark.parametrize("form,reported", [
    ("client_id=web&client_secret=Zx8Qp2Lr7Vt4Ny6Mk1Hs9Gd3Fb5Jc0Wa", True),
    ("name=deploy&secret=Zx8Qp2Lr7Vt4Ny6Mk1Hs9Gd3Fb5Jc0Wa", True),
    ("_token=Zx8Qp2Lr7Vt4Ny6Mk1Hs9Gd3Fb5Jc0Wa&qty=2", False),  # Laravel's anti-forgery field
    ("authenticity_token=Zx8Qp2Lr7Vt4Ny6Mk1Hs9Gd3Fb5Jc0Wa%3D%3D&q=boots", False),
    ("csrfmiddlewaretoken=Zx8Qp2Lr7Vt4Ny6Mk1Hs9Gd3Fb5Jc0Wa&q=boots", False),
])
def test_form_fields(engine, form, reported):
    message = ("POST /login HTTP/1.1\nHost: api.example.net\nContent-Type: application/x-www-form-urlencoded\n"
               f"Content-Length: {len(form)}\n\n{form}\n")
    found = [f for f in _scan(engine, message) if f.category in ("url-token", "secret")]
    assert bool(found) is reported
