"""Signed requests: AWS SigV4 against AWS's published test vector, Azure SharedKey against its documented rules."""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone

import pytest

from leakscan.verify.http import Prepared
from leakscan.verify.signing import SigningError, aws_sigv4, azure_shared_key


def test_sigv4_matches_the_aws_signature_test_suite_get_vanilla_vector() -> None:
    # aws-sig-v4-test-suite "get-vanilla": GET / on example.amazonaws.com, 20150830T123600Z, the suite's
    # example credentials (published by AWS for this purpose).
    now = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc).timestamp()
    signed = aws_sigv4(Prepared("GET", "https://example.amazonaws.com/", ()),
                       {"region": "us-east-1", "service": "service", "key_id": "AKIDEXAMPLE",
                        "secret": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}, now)
    headers = dict(signed.headers)
    assert headers["X-Amz-Date"] == "20150830T123600Z"
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")


def test_sigv4_signs_the_body_so_a_changed_form_changes_the_signature() -> None:
    params = {"region": "us-east-1", "service": "sts", "key_id": "AKIDEXAMPLE", "secret": "s" * 40}
    url = "https://sts.amazonaws.com/"
    one = dict(aws_sigv4(Prepared("POST", url, (), b"Action=GetCallerIdentity"), params, 0).headers)
    two = dict(aws_sigv4(Prepared("POST", url, (), b"Action=Other"), params, 0).headers)
    assert one["Authorization"] != two["Authorization"]


def test_azure_shared_key_follows_the_documented_string_to_sign() -> None:
    key = base64.b64encode(b"k" * 64).decode()
    signed = azure_shared_key(Prepared("GET", "https://acct1.blob.core.windows.net/?comp=list&maxresults=1", ()),
                              {"account": "acct1", "key": key}, 1_700_000_000)
    headers = dict(signed.headers)
    # Blob service, version 2015-02-21 and later: VERB, eleven empty standard headers (Content-Length empty
    # for no body), Range, then x-ms-* headers sorted, then /account/path and the query lines.
    to_sign = ("GET\n" + "\n" * 11 + f"x-ms-date:{headers['x-ms-date']}\nx-ms-version:{headers['x-ms-version']}\n"
               "/acct1/\ncomp:list\nmaxresults:1")
    expected = base64.b64encode(hmac.new(b"k" * 64, to_sign.encode(), hashlib.sha256).digest()).decode()
    assert headers["Authorization"] == f"SharedKey acct1:{expected}"
    assert headers["x-ms-date"].endswith("GMT")


def test_a_key_that_is_not_base64_is_refused_without_quoting_it() -> None:
    with pytest.raises(SigningError) as caught:
        azure_shared_key(Prepared("GET", "https://a.blob.core.windows.net/", ()), {"account": "a", "key": "not*b64"}, 0)
    assert "not*b64" not in str(caught.value)
