"""Scanners' rule packs and baselines are left out by default and counted (issue 11.5)."""
from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from leakscan.analyzers.rule_files import rule_file_kind
from leakscan.cli import cli
from leakscan.rules.loader import builtin_pack_dir

from ..conftest import fake_aws_key_id, fake_aws_secret_key, fake_github_token
from ..gitrepo import GitRepo

GITLEAKS_STYLE = '''title = "team rules"

[[rules]]
id = "shop-api-key"
description = "Shop API key"
regex = 'shop_[a-z0-9]{{32}}'
keywords = ["shop_"]

[[rules]]
id = "github-classic"
regex = 'ghp_[A-Za-z0-9]{{36}}'
[[rules.allowlists]]
regexes = ['{token}']
'''


def _tree(tmp_path):
    """An installed leakscan (its packs, moved under another name), another scanner's config, a baseline."""
    site = tmp_path / "venv" / "lib" / "site-packages"
    shutil.copytree(builtin_pack_dir(), site / "somepkg" / "data")
    (site / "tools").mkdir(parents=True)
    (site / "tools" / "rules.toml").write_text(GITLEAKS_STYLE.format(token=fake_github_token(91)))
    (site / "tools" / ".secrets.baseline").write_text(json.dumps({
        "version": "1.5.0", "plugins_used": [{"name": "AWSKeyDetector"}], "filters_used": [],
        "results": {"app.py": [{"type": "AWS Access Key", "filename": "app.py", "line_number": 1,
                                "hashed_secret": "0" * 40, "is_verified": False}]}}))
    # A YAML list with ids that is not a rule pack, holding a real-looking secret: still scanned.
    (site / "tools" / "deploy.yaml").write_text(f"- id: web\n  aws_access_key_id: {fake_aws_key_id(91)}\n"
                                                 f"  aws_secret_access_key: {fake_aws_secret_key(91)}\n")
    return tmp_path / "venv"


def _scan(root, *extra: str) -> dict:
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json", "--no-progress", *extra])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_rule_packs_are_left_out_and_counted(tmp_path):
    root = _tree(tmp_path)
    packs = len([p for p in builtin_pack_dir().glob("*.yaml") if not p.name.startswith("_")])
    report = _scan(root)
    assert {f["location"]["path"] for f in report["findings"]} == {"lib/site-packages/tools/deploy.yaml"}
    assert report["stats"]["skipped"]["rule_packs"] == packs + 2


def test_scan_rule_packs_scans_them_anyway(tmp_path):
    root = _tree(tmp_path)
    report = _scan(root, "--scan-rule-packs")
    paths = {f["location"]["path"] for f in report["findings"]}
    assert any(p.startswith("lib/site-packages/somepkg/data/") for p in paths)
    assert "rule_packs" not in report["stats"]["skipped"]
    config = tmp_path / "leakscan.yaml"
    config.write_text("scan_rule_packs: true\n")
    assert len(_scan(root, "--config", str(config))["findings"]) == len(report["findings"])


def test_kinds_are_recognised_by_structure_not_by_name():
    pack = (builtin_pack_dir() / "aws.yaml").read_text()
    assert rule_file_kind("anything/x.yml", pack) == "leakscan rule pack"
    assert rule_file_kind("a/b.toml", GITLEAKS_STYLE.format(token="x")) == "gitleaks-style rule config"
    assert rule_file_kind("rules.yaml", "rules:\n  - id: a\n    pattern: 'k_[0-9]+'\n") == "rule pack"
    assert rule_file_kind("patterns/aws.yaml", "- id: web\n  image: nginx\n  examples: []\n") is None
    assert rule_file_kind("x.json", '{"results": {}, "plugins_used": "no"}') is None


def test_the_kind_is_the_same_whether_the_marks_pass_is_shared_or_not():
    """History asks without the marks pass (scanned_whole=False): same answers, small texts and long,
    for every kind, `pattern-regex:` keys, and Ruby full of `id:` and `pattern:` that is no rule pack."""
    pack = (builtin_pack_dir() / "aws.yaml").read_text()
    baseline = json.dumps({"plugins_used": [{"name": "AWSKeyDetector"}], "results": {}})
    ruby = "def find(id:, pattern: nil)\n  where(id: id).first\nend\n"
    padding = "# filler line for length\n" * 300
    texts = {
        pack: "leakscan rule pack",
        "rules:\n  - id: a\n    pattern-regex: 'k_[0-9]+'\n": "rule pack",
        GITLEAKS_STYLE.format(token="x"): "gitleaks-style rule config",
        baseline: "detect-secrets baseline",
        ruby: None, ruby * 200: None, padding + "- id: web\n  image: nginx\n": None,
        "[[rules]]\nname = 'no regex'\n" + padding: None, "{\"results\": 1}" + padding: None,
    }
    for text, kind in texts.items():
        assert rule_file_kind("x", text) == kind, text[:60]
        assert rule_file_kind("x", text, text.encode(), scanned_whole=False) == kind, text[:60]
        assert rule_file_kind("x", text, scanned_whole=False) == kind, text[:60]


def test_history_scans_leave_rule_packs_out_and_count_them(tmp_path):
    """A scanner's rule pack committed to a repository is left out of `leakscan git` as of a tree scan."""
    repo = GitRepo(tmp_path / "repo")
    pack = (builtin_pack_dir() / "github.yaml").read_text()
    repo.commit("vendored rules", {"vendor/rules/github.yaml": pack,
                                   "tools/rules.toml": GITLEAKS_STYLE.format(token=fake_github_token(92)),
                                   "app.py": f"TOKEN = '{fake_github_token(93)}'\n"})
    run = CliRunner().invoke(cli, ["git", str(repo.path), "--format", "json", "--no-progress"])
    report = json.loads(run.stdout)
    assert {f["location"]["path"] for f in report["findings"]} == {"app.py"}
    assert report["stats"]["skipped"] == {"rule_packs": 2}
    run = CliRunner().invoke(cli, ["git", str(repo.path), "--format", "json", "--no-progress", "--scan-rule-packs"])
    paths = {f["location"]["path"] for f in json.loads(run.stdout)["findings"]}
    assert {"app.py", "vendor/rules/github.yaml", "tools/rules.toml"} <= paths
