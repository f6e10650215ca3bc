"""Precision and recall per error-message family on the labelled cases of tests/fixtures/errors/cases.json.

    python bench/error_accuracy.py [-v]

Each case is one small capture file (written by tests/fixtures/make_error_fixtures.py from the message
layouts each database, runtime and web server documents: a JSON error body, an HTML page, plain text, a
log line or a HAR response); a case expecting a disclosure counts as found when the scan reports a
`stacktrace` finding in its file, and a hard negative (generic error bodies, product names in prose,
code that catches the exception, banners without a version) is a false positive when it does.
"""
from __future__ import annotations

import argparse

from _common import REPO
from pii_accuracy import report

CASES = REPO / "tests" / "fixtures" / "errors" / "cases.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and false positives")
    args = parser.parse_args()
    report(CASES, "stacktrace", args.verbose)


if __name__ == "__main__":
    main()
