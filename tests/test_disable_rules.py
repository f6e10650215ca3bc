"""--disable and `disable:` name rules that exist (issue 11.10)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.config import ConfigError, check_disabled_rules

from .conftest import fake_github_token


def test_unknown_rule_id_is_a_usage_error_listing_close_ids(tmp_path):
    (tmp_path / "a.py").write_text(f"TOKEN = '{fake_github_token(81)}'\n")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--disable", "github.pat.clasic", "--no-progress"])
    assert result.exit_code == 2
    assert "unknown rule id" in result.output and "'github.pat.clasic'" in result.output
    assert "github.pat.classic" in result.output.split("did you mean:", 1)[1]
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--disable", "no.such.rule", "--no-progress"])
    assert result.exit_code == 2 and "'no.such.rule'" in result.output


def test_known_rule_id_disables_the_rule(tmp_path):
    import json

    (tmp_path / "a.py").write_text(f"TOKEN = '{fake_github_token(82)}'\n")

    def rule_ids(*extra: str) -> set[str]:
        result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--no-progress", "--format", "json", *extra])
        assert result.exit_code in (0, 1), result.output
        return {f["rule_id"] for f in json.loads(result.stdout)["findings"]}

    assert "github.pat.classic" in rule_ids()
    assert "github.pat.classic" not in rule_ids("--disable", "github.pat.classic")


def test_unknown_id_in_the_config_file_is_rejected_too(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    config = tmp_path / ".leakscan.yaml"
    config.write_text("disable: [aws.acess-key-id]\n")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--config", str(config), "--no-progress"])
    assert result.exit_code == 2 and "aws.access-key-id" in result.output


def test_check_disabled_rules_names_every_unknown_id():
    check_disabled_rules(["a.b"], ["a.b", "c.d"])
    with pytest.raises(ConfigError, match=r"'x\.y'.*'zz'"):
        check_disabled_rules(["zz", "x.y", "a.b"], ["a.b", "c.d"])
