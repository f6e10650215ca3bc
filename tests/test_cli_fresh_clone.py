"""A fresh clone has no ../shared: nothing the tests need may live outside the repository."""
from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# A path into the workspace's shared folder, however it is built (a test may name "../shared" as a
# string the README must not contain; it may not read a file there).
OUTSIDE = re.compile(r"""["'](?:/work/shared|\.\./shared)/|["']shared["']\s*/|parents\[\d\]\s*/\s*["']shared""")


def test_no_test_reads_outside_the_repository():
    offenders = [f"{p.relative_to(TESTS)}:{n}" for p in sorted(TESTS.rglob("*.py"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if OUTSIDE.search(line) and p.name != Path(__file__).name]
    assert offenders == []


def test_the_sarif_schema_is_vendored():
    from .reporters.test_reporters import SCHEMA

    assert SCHEMA.is_file() and TESTS in SCHEMA.resolve().parents
    assert '"version"' in SCHEMA.read_text() and "2.1.0" in SCHEMA.read_text()
