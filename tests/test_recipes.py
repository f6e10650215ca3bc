"""Every install recipe (README, docs, action.yml, .pre-commit-hooks.yaml) installs this project.

The `leakscan` distribution on the public package index is an unrelated
project, so no recipe may install a bare `leakscan` from an index, and every
git reference a recipe names (`rev:`, `@ref`) must exist in this repository or
be its documented default branch.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import fake_github_token
from .gitrepo import GIT_ENV, GitRepo
from .markdown_blocks import ROOT, CodeBlock, code_blocks, section_block, user_docs

DEFAULT_BRANCH = "main"  # README: "at the `main` branch"
SHA = re.compile(r"^[0-9a-f]{7,40}$")
DISTRIBUTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*([=<>!~]=?.*)?$")


def _all_blocks() -> list[CodeBlock]:
    return [block for path in user_docs() for block in code_blocks(path)]


def _install_commands(text: str) -> list[str]:
    """Each `pip install …` command in a script, shell continuation and YAML list markers removed."""
    commands = []
    for line in text.replace("\\\n", " ").splitlines():
        for part in re.split(r"&&|\|\||;", line):
            if re.search(r"\bpip3?\s+install\b", part):
                commands.append(re.sub(r"^\s*-\s+", "", part).strip())
    return commands


def _targets(command: str) -> list[str]:
    words = shlex.split(command, comments=True)
    after = words[words.index("install") + 1:]
    return [w for w in after if not w.startswith("-")]


def _variables(text: str) -> dict[str, str]:
    """`NAME: value` settings in the same snippet (GitLab `variables:`), to resolve `$NAME`."""
    return dict(re.findall(r"^\s*([A-Z_][A-Z0-9_]*):\s*([^\s#]+)", text, re.MULTILINE))


def _existing_refs() -> set[str]:
    if not (ROOT / ".git").exists():
        return set()
    out = subprocess.run(["git", "for-each-ref", "--format=%(refname:short)"], cwd=ROOT, env=GIT_ENV,
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def _ref_exists(ref: str) -> bool:
    if ref == DEFAULT_BRANCH or ref in _existing_refs():
        return True
    return bool(SHA.match(ref)) and subprocess.run(
        ["git", "cat-file", "-e", f"{ref}^{{commit}}"], cwd=ROOT, env=GIT_ENV, capture_output=True).returncode == 0


def _problem(target: str, variables: dict[str, str]) -> str | None:
    """Why `target` would not install this project, or None when it does."""
    if target in (".", ".[test]") or target.startswith(("/", "./", "../", "$ACTION_PATH", "file:")):
        return None
    if target.startswith("git+"):
        ref = target.rsplit("@", 1)[1] if "@" in target.split("://", 1)[-1] else ""
        ref = re.sub(r"^\$\{?([A-Z_][A-Z0-9_]*)\}?$", lambda m: variables.get(m.group(1), m.group(0)), ref)
        if not ref:
            return f"{target}: no ref (pin {DEFAULT_BRANCH} or a commit)"
        return None if _ref_exists(ref) else f"{target}: ref {ref!r} does not exist"
    if DISTRIBUTION_NAME.match(target):
        return f"{target}: a name from the package index (the index's `leakscan` is another project)"
    return f"{target}: not a recognised install source"


def test_every_documented_pip_install_installs_this_project():
    checked, problems = 0, []
    for block in _all_blocks():
        for command in _install_commands(block.text):
            for target in _targets(command):
                checked += 1
                problem = _problem(target, _variables(block.text))
                if problem:
                    problems.append(f"{block.source} ({block.section}): {problem}")
    assert not problems, problems
    assert checked >= 5  # the clone, git, two-command and GitLab recipes at least


def test_action_installs_itself_from_its_own_checkout():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    commands = [c for step in action["runs"]["steps"] for c in _install_commands(step.get("run", ""))]
    assert commands, "action.yml installs nothing"
    for command in commands:
        assert _targets(command) == ["$ACTION_PATH"], command
    (install,) = [s for s in action["runs"]["steps"] if "pip install" in s.get("run", "")]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"


def test_action_keeps_the_compiled_rules_between_runs(tmp_path):
    """The cache step restores ~/.cache/leakscan before the scan, keyed by a fingerprint of the rule
    packs and the engine's code that changes when they do."""
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    names = [s.get("id") or s.get("uses") or s.get("name") for s in steps]
    (cache,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache@")]
    assert cache["with"]["path"] == "~/.cache/leakscan"
    assert "${{ steps.rules.outputs.hash }}" in cache["with"]["key"]
    assert names.index("rules") < names.index(cache["uses"]) < names.index("scan")
    (fingerprint,) = [s for s in steps if s.get("id") == "rules"]
    copy = tmp_path / "action"
    (copy / "leakscan").mkdir(parents=True)
    for part in ("patterns", "leakscan/engine"):
        subprocess.run(["cp", "-r", str(ROOT / part), str(copy / part)], check=True)

    def fingerprint_of(path: Path) -> str:
        output = tmp_path / "github_output"
        output.write_text("")
        subprocess.run(["bash", "-e", "-c", fingerprint["run"]], check=True, timeout=60,
                       env={**os.environ, "ACTION_PATH": str(path), "GITHUB_OUTPUT": str(output)})
        (line,) = output.read_text().splitlines()
        assert re.fullmatch(r"hash=[0-9a-f]{16}", line), line
        return line

    before = fingerprint_of(copy)
    assert fingerprint_of(ROOT) == before
    with (copy / "patterns" / "aws.yaml").open("a") as pack:
        pack.write("\n")
    assert fingerprint_of(copy) != before


def test_recognises_installs_that_would_fetch_another_project():
    """The checker itself: the recipes that issue 11 found must be caught."""
    assert _problem("leakscan", {}) and _problem("leakscan==0.1.0", {}) and _problem("leakscan[test]", {})
    assert _problem("git+https://example.invalid/leakscan.git@v0.1.0", {})
    assert _problem("git+https://example.invalid/leakscan.git", {})
    assert _problem("git+$R@$REF", {"REF": "no-such-ref-here"})
    assert _problem("git+$R@$REF", {"REF": DEFAULT_BRANCH}) is None
    assert _install_commands("- apt-get update && pip install --quiet leakscan") == ["pip install --quiet leakscan"]


def _leakscan_refs(text: str) -> list[str]:
    """`rev:` of a pre-commit repo entry using the leakscan hook, and `uses: …/leakscan@ref`."""
    refs = re.findall(r"uses:\s*\S*leakscan@([^\s#]+)", text)
    if re.search(r"id:\s*leakscan\b", text):
        refs += re.findall(r"^[#\s-]*rev:\s*([^\s#]+)", text, re.MULTILINE)
    return refs


def test_every_documented_rev_and_action_ref_exists():
    sources = [(b.source, b.text) for b in _all_blocks()]
    sources.append((".pre-commit-hooks.yaml", (ROOT / ".pre-commit-hooks.yaml").read_text()))
    refs = [(source, ref) for source, text in sources for ref in _leakscan_refs(text)]
    assert {source for source, _ in refs} >= {"README.md", ".pre-commit-hooks.yaml"}
    missing = [(source, ref) for source, ref in refs if not _ref_exists(ref)]
    assert not missing, missing
    assert _leakscan_refs("uses: x/leakscan@v0.1.0") == ["v0.1.0"] and not _ref_exists("v0.1.0")


def _gitlab_job() -> dict:
    (job,) = yaml.safe_load(section_block(ROOT / "README.md", "GitLab CI", "yaml")).values()
    return job


def _run_install_lines(tmp_path: Path, variables: dict[str, str]) -> subprocess.CompletedProcess:
    """The README GitLab job's leakscan install lines (not apt-get), as its shell runs them, with
    `pip` installing into a target directory without dependencies (options the shim adds to the
    user's command only, not to pip's own build-environment install)."""
    job = _gitlab_job()
    lines = [line for line in job["before_script"] if "LEAKSCAN_REPO" in line]
    shim = tmp_path / "bin"
    shim.mkdir(exist_ok=True)
    (shim / "pip").write_text(f"#!/bin/sh\nexec '{sys.executable}' -m pip \"$@\" --no-deps "
                              f"--target '{tmp_path / 'site'}' --disable-pip-version-check\n")
    (shim / "pip").chmod(0o755)
    env = {**GIT_ENV, **{k: str(v) for k, v in job["variables"].items()}, **variables,
           "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["sh", "-e", "-c", "\n".join(lines)], cwd=tmp_path, env=env, capture_output=True,
                          text=True)


def test_readme_gitlab_install_lines_install_this_project_from_its_repository(tmp_path):
    """LEAKSCAN_REPO set to a clone of this checkout: the job's own lines install this package and its rules."""
    clone = GitRepo(tmp_path / "leakscan-src", branch=DEFAULT_BRANCH)
    subprocess.run(["git", "-C", str(clone.path), "pull", "-q", str(ROOT), "HEAD"], env=GIT_ENV, check=True,
                   capture_output=True)
    assert _gitlab_job()["variables"]["LEAKSCAN_REF"] == DEFAULT_BRANCH
    proc = _run_install_lines(tmp_path, {"LEAKSCAN_REPO": clone.path.as_uri()})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    target = tmp_path / "site"
    assert (target / "leakscan" / "cli" / "__init__.py").is_file()
    assert list((target / "leakscan" / "patterns").glob("*.yaml"))
    metadata = next(target.glob("leakscan-*.dist-info")) / "METADATA"
    assert "Secrets and sensitive-data exposure scanner" in metadata.read_text()


def test_readme_gitlab_install_stops_with_a_message_when_the_repository_is_not_set(tmp_path):
    proc = _run_install_lines(tmp_path, {"LEAKSCAN_REPO": ""})
    assert proc.returncode == 2
    assert "LEAKSCAN_REPO" in proc.stdout + proc.stderr
    assert not (tmp_path / "site").exists()  # nothing was installed from anywhere


@pytest.mark.skipif(os.environ.get("LEAKSCAN_TEST_PRECOMMIT_INSTALL") != "1",
                    reason="pre-commit installs leakscan with pip into its own virtualenv; "
                           "set LEAKSCAN_TEST_PRECOMMIT_INSTALL=1")
def test_readme_pre_commit_config_installs_the_hook_from_the_repository(tmp_path):
    """README's `.pre-commit-config.yaml`, with the repository placeholder set to a clone of this
    checkout and `rev:` as written: pre-commit builds the hook and it blocks a secret."""
    config_text = section_block(ROOT / "README.md", "pre-commit", "yaml")
    clone = GitRepo(tmp_path / "leakscan-src", branch=DEFAULT_BRANCH)
    subprocess.run(["git", "-C", str(clone.path), "pull", "-q", str(ROOT), "HEAD"], env=GIT_ENV, check=True,
                   capture_output=True)
    project = GitRepo(tmp_path / "project")
    project.write(".pre-commit-config.yaml", config_text.replace("<leakscan-repo-url>", clone.path.as_uri()))
    project.write("settings.py", f"TOKEN = '{fake_github_token(61)}'\n")
    project.git("add", "-A")
    env = {**GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache")}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=project.path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "settings.py" in proc.stdout and "ghp_****" in proc.stdout


# ---- the CI report formats the recipes write (issue 16.4) -------------------------------------------------

GITLAB_SCHEMA = ROOT / "tests" / "fixtures" / "schemas" / "gitlab-secret-detection-report-format-15.0.7.json"


def _ci_project(tmp_path: Path) -> tuple[GitRepo, str, Path]:
    """A repository whose second commit adds a token, and a `leakscan` on PATH that runs this checkout."""
    repo = GitRepo(tmp_path / "project")
    first = repo.commit("first", {"README.md": "hello\n"})
    repo.commit("second", {"app.py": f"TOKEN = '{fake_github_token(71)}'\n"})
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "leakscan").write_text(f"#!/bin/sh\nexec '{sys.executable}' -m leakscan \"$@\"\n")
    (shim / "leakscan").chmod(0o755)
    return repo, first, shim


def test_readme_gitlab_job_writes_the_reports_its_artifacts_name(tmp_path):
    import json

    import jsonschema
    from junitparser import JUnitXml

    job = _gitlab_job()
    reports = job["artifacts"]["reports"]
    repo, first, shim = _ci_project(tmp_path)
    env = {**GIT_ENV, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}", "CI_COMMIT_SHA": repo.head(),
           "CI_COMMIT_BEFORE_SHA": first, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(["sh", "-c", "\n".join(job["script"])], cwd=repo.path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the token is a finding: the job fails
    gitlab = json.loads((repo.path / reports["secret_detection"]).read_text())
    jsonschema.validate(gitlab, json.loads(GITLAB_SCHEMA.read_text()))
    assert [v["location"]["file"] for v in gitlab["vulnerabilities"]] == ["app.py"]
    assert gitlab["vulnerabilities"][0]["location"]["commit"]["sha"] == repo.head()
    cases = [case for suite in JUnitXml.fromfile(str(repo.path / reports["junit"])) for case in suite]
    assert len(cases) == 1 and not cases[0].is_passed
    assert fake_github_token(71) not in (repo.path / reports["junit"]).read_text()


def test_action_writes_a_junit_report_when_asked(tmp_path):
    from junitparser import JUnitXml

    action = yaml.safe_load((ROOT / "action.yml").read_text())
    (scan,) = [s for s in action["runs"]["steps"] if s.get("id") == "scan"]
    repo, first, shim = _ci_project(tmp_path)
    output = tmp_path / "github_output"
    env = {**GIT_ENV, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
           "RANGE": f"{first}..{repo.head()}", "BASELINE": "", "EXTRA_ARGS": "", "SARIF": "leakscan.sarif",
           "JUNIT": "leakscan-junit.xml", "PR_BASE": "", "PR_HEAD": "", "BEFORE": "", "AFTER": repo.head(),
           "GITHUB_OUTPUT": str(output)}
    proc = subprocess.run(["bash", "-e", "-c", scan["run"]], cwd=repo.path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "exit-code=1" in output.read_text()
    cases = [case for suite in JUnitXml.fromfile(str(repo.path / "leakscan-junit.xml")) for case in suite]
    assert [case.classname for case in cases] == ["app.py"]
