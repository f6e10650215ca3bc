"""Precision and recall for sessions and short-lived values on tests/fixtures/sessions/cases.json.

    python bench/session_accuracy.py [-v]

Categories: session cookies in Cookie / Set-Cookie headers and HAR `cookies` (each framework's id format),
session ids in URLs (`;jsessionid=`, CFID/CFTOKEN), credentials in form bodies, and geolocation under
person keys. Hard negatives: analytics, consent and CSRF cookies, OAuth state / nonce / code_challenge,
cache-busters, CSRF form fields, coordinates of places. Cases are written by
tests/fixtures/make_session_fixtures.py; a case is found when a finding of one of its `counts` categories
is reported in its file.
"""
from __future__ import annotations

import argparse

from _common import REPO
from pii_accuracy import report

CASES = REPO / "tests" / "fixtures" / "sessions" / "cases.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and false positives")
    args = parser.parse_args()
    report(CASES, "secret", args.verbose)


if __name__ == "__main__":
    main()
