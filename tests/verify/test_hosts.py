"""Hosts: a secret goes to the documented host, a user-named endpoint, or a public address; nowhere else."""
from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from leakscan.verify.build import BuildError, base_url
from leakscan.verify.hosts import HostRefused, is_public, parse_endpoint_overrides, resolve_target
from tests.verify.helpers import fake_secret, finding_in_file, run, spec_of


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254",
                                     "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "100.64.0.1",
                                     "224.0.0.1"])
def test_private_loopback_link_local_and_reserved_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["140.82.112.6", "2606:4700::6810:84e5"])
def test_global_addresses_are_public(address: str) -> None:
    assert is_public(address)


def test_the_address_is_checked_after_dns_and_pinned() -> None:
    def resolver(host: str, port: int, type: int = 0) -> list[tuple[object, ...]]:  # noqa: A002 - getaddrinfo's name
        return [(2, 1, 6, "", ("10.0.0.7", port))]

    with pytest.raises(HostRefused, match="10.0.0.7"):
        resolve_target("https://innocent.example/api", user_named=False, resolver=resolver)
    target = resolve_target("https://innocent.example/api", user_named=True, resolver=resolver)
    assert (target.host, target.address, target.port) == ("innocent.example", "10.0.0.7", 443)


def test_plain_http_only_for_an_endpoint_the_user_named() -> None:
    with pytest.raises(HostRefused, match="only https"):
        resolve_target("http://example.com/", user_named=False)


def test_endpoint_overrides_must_be_name_equals_http_url() -> None:
    assert parse_endpoint_overrides(("github=http://127.0.0.1:9/api/v3/",)) == {"github": "http://127.0.0.1:9/api/v3"}
    for bad in ("github", "github=ftp://x", "=http://x"):
        with pytest.raises(ValueError):
            parse_endpoint_overrides((bad,))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_host_taken_from_the_scanned_file_never_reaches_loopback(host: str, httpserver: HTTPServer,
                                                                   tmp_path: Path) -> None:
    """Grafana's verifier takes its base URL from beside the token (a self-hosted instance). A file that
    names a loopback or private address (directly or by a name resolving to one) gets no request at all."""
    token = fake_secret("glsa_{token}")[:37] + "_0123abcd"
    httpserver.expect_request("/api/org").respond_with_json({"name": "Main Org."})
    context = f"GRAFANA_URL=https://{host}:{httpserver.port}\n"
    [finding] = run([finding_in_file(tmp_path, "grafana.service-account-token", token, context)], tmp_path, {})
    assert finding.verification is not None
    assert finding.verification.status == "skipped"
    assert "refused" in finding.verification.detail and "loopback" in finding.verification.detail
    assert token not in finding.verification.detail
    assert httpserver.log == []


def test_a_content_host_over_plain_http_is_refused(httpserver: HTTPServer, tmp_path: Path) -> None:
    token = fake_secret("glsa_{token}")[:37] + "_0123abcd"
    context = f"GRAFANA_URL=http://127.0.0.1:{httpserver.port}\n"
    [finding] = run([finding_in_file(tmp_path, "grafana.service-account-token", token, context)], tmp_path, {})
    assert finding.verification is not None and finding.verification.status == "skipped"
    assert httpserver.log == []


def test_a_host_label_part_cannot_smuggle_another_host() -> None:
    """Parts that stand in a documented host are DNS labels: `evil.example/x` cannot become the host."""
    spec = spec_of("shopify")
    assert base_url(spec, {"shop": "acme-store", "secret": "x"}, {}) == ("https://acme-store.myshopify.com", False)
    for smuggled in ("evil.example/x", "evil.example#", "a@evil.example", "a.b", "-a"):
        with pytest.raises(BuildError):
            base_url(spec, {"shop": smuggled, "secret": "x"}, {})
