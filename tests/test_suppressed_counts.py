"""A scan says how many findings a baseline or an inline ignore hid (issue 11.10)."""
from __future__ import annotations

import json

from click.testing import CliRunner

from leakscan.cli import cli

from .conftest import fake_github_token
from .gitrepo import GitRepo


def _tree(tmp_path, baseline=None):
    """b.py holds a token (baselined first when `baseline` is given); a.py tokens, three of them ignored."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "b.py").write_text(f"E = '{fake_github_token(105)}'\n")
    if baseline is not None:
        assert _run("baseline", "create", str(src), "-o", str(baseline)).exit_code == 0
    (src / "a.py").write_text(
        f"A = '{fake_github_token(101)}'  # leakscan:ignore\n"
        f"B = '{fake_github_token(102)}'\n"
        "# pragma: allowlist nextline secret\n"
        f"C = '{fake_github_token(103)}'\n"
        f"D = '{fake_github_token(104)}'  # leakscan:ignore=aws.access-key-id\n")  # scoped to another rule
    return src


def _run(*args: str):
    return CliRunner().invoke(cli, [*args, "--no-progress"], catch_exceptions=False)


def test_stats_and_summary_count_what_baseline_and_ignores_hid(tmp_path):
    baseline = tmp_path / "base.json"
    src = _tree(tmp_path, baseline)
    result = _run("scan", str(src), "--baseline", str(baseline), "--format", "json")
    report = json.loads(result.stdout)
    assert sorted(f["location"]["line"] for f in report["findings"]) == [2, 5]
    assert report["stats"]["suppressed"] == {"baseline": 1, "inline_ignore": 2}
    text = _run("scan", str(src), "--baseline", str(baseline)).stdout
    assert "3 finding(s) hidden: 1 by the baseline, 2 by inline ignore comments" in text


def test_nothing_hidden_says_nothing(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "b.py").write_text(f"E = '{fake_github_token(106)}'\n")
    report = json.loads(_run("scan", str(src), "--format", "json").stdout)
    assert report["stats"]["suppressed"] == {}
    assert "hidden" not in _run("scan", str(src)).stdout


def test_an_ignore_in_a_capture_is_counted(tmp_path):
    token = fake_github_token(107)
    (tmp_path / "log.jsonl").write_text(json.dumps({"msg": f"token {token} leakscan:ignore"}) + "\n")
    report = json.loads(_run("scan", str(tmp_path), "--format", "json").stdout)
    assert report["findings"] == [] and report["stats"]["suppressed"] == {"inline_ignore": 1}


def test_history_scan_counts_what_baseline_and_ignores_hid(tmp_path):
    """`leakscan git` says what a history baseline and ignore comments hid, as a tree scan does."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit("old", {"b.py": f"E = '{fake_github_token(111)}'\n"})
    baseline = tmp_path / "history-baseline.json"
    created = CliRunner().invoke(cli, ["baseline", "create", str(repo.path), "--history", "-o", str(baseline),
                                       "--no-progress"], catch_exceptions=False)
    assert created.exit_code == 0, created.output
    repo.commit("new", {"a.py": f"A = '{fake_github_token(112)}'  # leakscan:ignore\n"
                                f"B = '{fake_github_token(113)}'\n"})
    result = _run("git", str(repo.path), "--baseline", str(baseline), "--format", "json")
    report = json.loads(result.stdout)
    assert [(f["location"]["path"], f["location"]["line"]) for f in report["findings"]] == [("a.py", 2)]
    assert report["stats"]["suppressed"] == {"baseline": 1, "inline_ignore": 1}
    text = _run("git", str(repo.path), "--baseline", str(baseline)).stdout
    assert "2 finding(s) hidden: 1 by the baseline, 1 by inline ignore comments" in text
