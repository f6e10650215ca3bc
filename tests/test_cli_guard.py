"""Issue 19.10: work the regex guard skipped is an errors entry, and --fail-on-error exits 2."""
from __future__ import annotations

import json

from click.testing import CliRunner

from leakscan.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_regex_guard_trip_is_an_error_that_fail_on_error_turns_into_exit_2(tmp_path):
    """A rule that needs backtracking (a lookbehind), fed the input that makes it exponential:
    `(?:x|xx)+` has Fibonacci-many ways to split a run of x, and `regex` tries them all when the
    lookbehind fails. RE2, without the lookbehind, finds a start there, so `regex` is tried."""
    pack = tmp_path / "slow.yaml"
    pack.write_text("- id: test.slow\n  name: Slow\n  category: secret\n  pattern: '((?:x|xx)+(?<!x)y)'\n"
                    "  keywords: [xxxx]\n  confidence: 0.9\n  severity: low\n"
                    "  examples: ['xxxy']\n  negative_examples: ['xyz']\n")
    root = tmp_path / "tree"
    root.mkdir()
    (root / "slow.txt").write_text("x" * 60 + "y\n")
    args = ["scan", str(root), "--rules", str(pack), "--format", "json", "--no-progress", "--jobs", "1"]
    plain = run(*args)
    errors = json.loads(plain.stdout)["errors"]
    assert [e["path"] for e in errors] == ["slow.txt"] and "test.slow" in errors[0]["message"]
    assert plain.exit_code == 0  # no findings; the report's errors say the file was not searched in full
    assert run(*args, "--fail-on-error").exit_code == 2
