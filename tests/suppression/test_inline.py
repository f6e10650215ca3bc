"""Inline ignore comments of leakscan and other scanners, through a real tree scan."""
from __future__ import annotations

import pytest

from leakscan.pipeline.tree import scan_paths
from leakscan.suppression.inline import inline_ignored

from ..conftest import fake_github_token

RULE = "github.pat"


@pytest.mark.parametrize("comment", [
    "# gitleaks:allow",
    "// gitleaks:allow",
    "# trufflehog:ignore",
    "# ggignore",
    "# nosec",
    "#nosec",
    "// #nosec G101",
    "# nosec B105",
    "# nosec: B106, B608",
    "/* nosec */",
    "# pragma: allowlist secret",
    "# leakscan:ignore",
])
def test_markers_hide_the_finding_on_their_line(tmp_path, engine, comment):
    token = fake_github_token(161)
    (tmp_path / "app.py").write_text(f"TOKEN = '{token}'  {comment}\nOTHER = '{fake_github_token(162)}'\n")
    report = scan_paths([str(tmp_path)], engine)
    lines = sorted(f.location.line for f in report.findings)
    assert lines == [2], (comment, lines)  # the unmarked line is still reported
    assert dict(report.stats.suppressed).get("inline_ignore") == 1


@pytest.mark.parametrize("comment", [
    "# nosec B608",          # bandit's SQL check: not about credentials
    "# nosec G104",
    "# gitleaks:allowed",    # not the marker
    "# trufflehog:ignored",
    "# allow gitleaks",
    "# nosecurity",
])
def test_lookalikes_and_unrelated_codes_do_not_hide(tmp_path, engine, comment):
    (tmp_path / "app.py").write_text(f"TOKEN = '{fake_github_token(163)}'  {comment}\n")
    report = scan_paths([str(tmp_path)], engine)
    assert [f.location.line for f in report.findings] == [1], comment


def test_other_scanners_markers_apply_to_their_own_line_only():
    assert inline_ignored(RULE, "x = 1  # gitleaks:allow", "")
    assert not inline_ignored(RULE, "x = 1", "y = 2  # gitleaks:allow")
    assert not inline_ignored(RULE, "x = 1", "# nosec")
