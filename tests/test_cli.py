from __future__ import annotations

import json

from click.testing import CliRunner

from leakscan.cli import cli

from .conftest import fake_github_token


def run(*args, input=None, cwd=None):
    runner = CliRunner()
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def test_scan_reports_masked_findings_and_exit_1(tmp_path):
    token = fake_github_token(11)
    (tmp_path / "settings.py").write_text(f"GITHUB_TOKEN = '{token}'\n")
    result = run("scan", str(tmp_path), "--format", "json", "--no-progress")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert set(report) >= {"tool", "stats", "findings", "errors"}
    (finding,) = report["findings"]
    assert finding["location"]["path"] == "settings.py" and finding["location"]["line"] == 1
    assert finding["masked"].startswith("ghp_") and finding["fingerprint"].startswith("sha256:")
    assert set(finding["suggestion"]) == {"action", "text", "masked_value"}
    assert token not in result.output


def test_show_secrets_is_the_only_way_to_print_a_secret(tmp_path):
    token = fake_github_token(12)
    (tmp_path / "a.env").write_text(f"TOKEN={token}\n")
    for fmt in ("text", "json", "sarif"):
        assert token not in run("scan", str(tmp_path), "--format", fmt).output
    assert token in run("scan", str(tmp_path), "--show-secrets").output


def test_clean_tree_exits_0(tmp_path):
    (tmp_path / "ok.py").write_text("print('hi')\n")
    result = run("scan", str(tmp_path))
    assert result.exit_code == 0 and "0 finding(s)" in result.output


def test_stdin(tmp_path):
    result = run("scan", "-", "--format", "json", input=f"token: {fake_github_token(13)}\n")
    assert result.exit_code == 1
    assert json.loads(result.output)["findings"][0]["location"]["path"] == "-"


def test_output_file(tmp_path):
    (tmp_path / "a.txt").write_text(f"x={fake_github_token(14)}\n")
    out = tmp_path / "report.json"
    result = run("scan", str(tmp_path / "a.txt"), "--format", "json", "-o", str(out))
    assert result.exit_code == 1 and json.loads(out.read_text())["findings"]


def test_config_from_pyproject_and_yaml(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(f"x='{fake_github_token(15)}'\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.leakscan]\ndisable = ["github.pat.classic"]\n')
    assert run("scan", ".").exit_code == 0
    # allow_paths globs match the reported path, relative to the scanned root
    (tmp_path / ".leakscan.yaml").write_text("min_confidence: 0.2\nallow_paths: ['src/*']\n")
    assert run("scan", ".").exit_code == 0
    (tmp_path / ".leakscan.yaml").write_text("min_confidence: 0.2\n")
    assert run("scan", ".").exit_code == 1


def test_invalid_config_and_rule_give_exit_2_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".leakscan.yaml").write_text("min_confidense: 0.2\n")
    result = CliRunner().invoke(cli, ["scan", "."])
    assert result.exit_code == 2 and "unknown setting 'min_confidense'" in result.output
    (tmp_path / ".leakscan.yaml").unlink()
    (tmp_path / "bad.yaml").write_text("- id: my.rule\n  name: x\n  category: secret\n  pattern: '(a'\n"
                                       "  keywords: [a]\n  confidence: 0.5\n  severity: low\n"
                                       "  examples: [a]\n  negative_examples: [b]\n")
    result = CliRunner().invoke(cli, ["scan", ".", "--rules", "bad.yaml"])
    assert result.exit_code == 2
    assert "bad.yaml: rule my.rule: pattern does not compile" in result.output


def test_usage_error_is_exit_2():
    assert CliRunner().invoke(cli, ["scan"]).exit_code == 2


def test_rules_list_and_check():
    listing = run("rules", "list")
    assert "github.pat.classic" in listing.output and "secret" in listing.output
    checked = run("rules", "check")
    assert checked.exit_code == 0, checked.output
    assert "0 problem(s)" in checked.output


def test_rules_check_reports_a_failing_example(tmp_path):
    pack = tmp_path / "mine.yaml"
    pack.write_text("- id: mine.token\n  name: Mine\n  category: secret\n  pattern: '(mine_[0-9]{8})'\n"
                    "  keywords: [mine_]\n  confidence: 0.8\n  severity: low\n"
                    "  examples: ['mine_1234']\n  negative_examples: ['mine_83920174']\n")
    result = CliRunner().invoke(cli, ["rules", "check", str(pack)])
    assert result.exit_code == 1
    assert "example not reported" in result.output and "negative example reported" in result.output
