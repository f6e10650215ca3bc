"""README.md is a user's README whose commands work: each documented `leakscan` command is run on a
generated repository, its example rule pack passes `rules check`, and its test command is CI's."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import fake_github_token
from .gitrepo import GIT_ENV, GitRepo
from .markdown_blocks import ROOT, code_blocks, section_block, user_docs

README = ROOT / "README.md"
TEST_COMMAND = 'python -m pip install ".[test]" && python -m pytest'
PLACEHOLDERS = ("PATH...", "FILE...")


def _readme_commands() -> list[str]:
    commands = []
    for block in code_blocks(README):
        if block.lang == "sh":
            commands += [line.strip() for line in block.text.splitlines()
                         if line.startswith("leakscan ") and not any(p in line for p in PLACEHOLDERS)]
    return commands


def test_readme_test_command_is_what_ci_runs():
    ci_commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if "pytest" in line]
    assert ci_commands == [TEST_COMMAND]
    assert TEST_COMMAND in [b.text.strip() for b in code_blocks(README) if b.section == "The two commands"]


def test_readme_speaks_to_users_not_to_this_project_s_workspace():
    text = README.read_text()
    for internal in ("../shared", "/work/", "DESIGN.md", "the issue", "pip install leakscan\n"):
        assert internal not in text, internal
    for doc in user_docs():
        assert "DESIGN.md" not in doc.read_text(), doc.name
    words = len(text.split())
    assert 2_500 <= words <= 4_000, words


def test_readme_example_rule_pack_passes_rules_check_and_finds_its_examples(tmp_path):
    pack_text = section_block(README, "Custom rules", "yaml")
    pack = tmp_path / "acme-rules.yaml"
    pack.write_text(pack_text)
    env = {**os.environ, "LEAKSCAN_CACHE_DIR": str(tmp_path / "cache")}
    check = subprocess.run([sys.executable, "-m", "leakscan", "rules", "check", str(pack)], env=env,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    (rule,) = yaml.safe_load(pack_text)
    sample = tmp_path / "service.py"
    sample.write_text("\n".join(rule["examples"] + rule["negative_examples"]) + "\n")
    scan = subprocess.run([sys.executable, "-m", "leakscan", "scan", str(sample), "--rules", str(pack),
                           "--format", "json", "--no-progress"], env=env, capture_output=True, text=True)
    found = [f for f in json.loads(scan.stdout)["findings"] if f["rule_id"] == rule["id"]]
    assert sorted(f["location"]["line"] for f in found) == list(range(1, len(rule["examples"]) + 1))


def _spec() -> str:
    return ("openapi: 3.0.0\ninfo: {title: Shop, version: '1'}\nservers: [{url: 'http://api.shop.test'}]\n"
            "paths:\n  /items:\n    get:\n      responses: {'200': {description: ok}}\n"
            "components:\n  securitySchemes:\n    api_key: {type: apiKey, in: query, name: api_key}\n"
            "security: [{api_key: []}]\n")


def _har(token: str) -> str:
    entry = {"startedDateTime": "2024-01-01T00:00:00Z", "time": 1,
             "request": {"method": "GET", "url": f"https://api.shop.test/v1/items?access_token={token}",
                         "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                         "queryString": [{"name": "access_token", "value": token}], "headersSize": -1, "bodySize": 0},
             "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                          "cookies": [], "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                          "redirectURL": "", "headersSize": -1, "bodySize": 2},
             "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [entry]}})


@pytest.fixture(scope="module")
def user_repo(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A small project with what the README's commands name: a tag, a release branch, origin/main,
    staged changes, a spec, a capture, a response on disk, the README's rule pack, and a second repo."""
    base = tmp_path_factory.mktemp("readme")
    repo = GitRepo(base / "project")
    first = repo.commit("first", {"app.py": f"TOKEN = '{fake_github_token(91)}'\n",
                                  "conf/settings.ini": "[db]\nhost = db\n",
                                  "tests/fixtures/sample.env": f"GITHUB_TOKEN={fake_github_token(92)}\n",
                                  "api/openapi.yaml": _spec()})
    repo.git("tag", "v2.3.0")
    repo.git("branch", "release/2.x")
    repo.git("update-ref", "refs/remotes/origin/main", first)
    repo.commit("second", {"capture.har": _har(fake_github_token(93))})
    repo.write("app.py", f"TOKEN = '{fake_github_token(94)}'\n")
    repo.git("add", "app.py")
    repo.write("response.txt", f"HTTP/1.1 200 OK\n\n{{\"token\": \"{fake_github_token(95)}\"}}\n")
    repo.write("acme-rules.yaml", section_block(README, "Custom rules", "yaml"))
    GitRepo(repo.path / "path" / "to" / "repo").commit("other", {"x.env": f"T={fake_github_token(96)}\n"})
    shim = base / "bin"
    shim.mkdir()
    (shim / "leakscan").write_text(f"#!/bin/sh\nexec '{sys.executable}' -m leakscan \"$@\"\n")
    (shim / "leakscan").chmod(0o755)
    env = {**GIT_ENV, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    return repo.path, env


def test_readme_documents_commands_for_every_mode():
    joined = "\n".join(_readme_commands())
    for mode in ("leakscan scan", "leakscan git", "leakscan staged", "leakscan spec", "leakscan mask",
                 "leakscan baseline create", "leakscan rules check"):
        assert mode in joined, mode


@pytest.mark.parametrize("command", _readme_commands())
def test_readme_command_runs(user_repo, command):
    cwd, env = user_repo
    proc = subprocess.run(["sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # 0 clean, 1 findings; 2 = it did not work
    assert "Traceback" not in proc.stderr
    assert not (cwd / "-").exists(), "`-o -` wrote a file named '-' instead of stdout"
    if re.search(r"-o -(\s|$)", command) and ">" not in command:
        assert proc.stdout.strip(), "`-o -` printed nothing"


def test_every_script_and_module_the_docs_name_exists():
    """docs/ describes the present tree: a moved or deleted module or benchmark shows up here."""
    named = set()
    for doc in user_docs():
        named |= set(re.findall(r"\b((?:leakscan|bench|tests)/[\w/]+\.py)\b", doc.read_text()))
    assert {"bench/history.py", "bench/speed.py", "leakscan/pipeline/tree.py"} <= named
    missing = sorted(path for path in named if not (ROOT / path).is_file())
    assert not missing, missing


def test_benchmarks_doc_says_how_each_figure_is_produced():
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    scripts = {p.name for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_")}
    undocumented = sorted(s for s in scripts if f"bench/{s}" not in text)
    assert not undocumented, undocumented


def test_readme_rule_count_table_is_the_shipped_packs():
    """README's count by category is the packs' own count, so it cannot go stale."""
    from collections import Counter

    from leakscan.rules.loader import load_rules

    text = README.read_text()
    section = text[text.index("## What it finds"):text.index("### What is a secret")]
    header, _, counts = [line for line in section.splitlines() if line.startswith("|")][-3:]
    names = [cell.strip().strip("`") for cell in header.strip("|").split("|")]
    numbers = [int(cell) for cell in counts.strip("|").split("|")]
    shipped = Counter(rule.category for rule in load_rules())
    assert dict(zip(names, numbers, strict=True)) == {**shipped, "all": sum(shipped.values())}
