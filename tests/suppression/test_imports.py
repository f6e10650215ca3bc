"""`leakscan baseline import`: another scanner's findings and ignores become a leakscan baseline (hashes only)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.suppression.baseline import sha1_secret
from leakscan.suppression.imports import ImportFormatError, read_places

from ..conftest import fake_github_token
from ..gitrepo import GitRepo

TOKENS = {name: fake_github_token(160 + i) for i, name in enumerate("ABCDE")}


def _tree(root: Path) -> dict[str, tuple[str, int]]:
    """Five planted tokens; name -> (path, line)."""
    (root / "config").mkdir(parents=True)
    (root / "config" / "settings.py").write_text(
        f"GITHUB_TOKEN = '{TOKENS['A']}'\nBACKUP_TOKEN = '{TOKENS['B']}'\n")
    (root / "deploy.sh").write_text(f"#!/bin/sh\nexport GH={TOKENS['C']}\n")
    (root / "ci.yml").write_text(f"env:\n  TOKEN: {TOKENS['D']}\n  OTHER: {TOKENS['E']}\n")
    return {"A": ("config/settings.py", 1), "B": ("config/settings.py", 2), "C": ("deploy.sh", 2),
            "D": ("ci.yml", 2), "E": ("ci.yml", 3)}


def _scan(root: Path, *args: str) -> list[tuple[str, int]]:
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json", "--no-progress", "-j", "1", *args])
    assert result.exit_code in (0, 1), result.output
    return sorted((f["location"]["path"], f["location"]["line"]) for f in json.loads(result.stdout)["findings"])


def _import(root: Path, *sources: Path, extra: tuple[str, ...] = ()) -> tuple[Path, str]:
    out = root.parent / "baseline.json"
    result = CliRunner().invoke(cli, ["baseline", "import", *map(str, sources), "--path", str(root), "-o", str(out),
                                      "--no-progress", "-j", "1", *extra])
    assert result.exit_code == 0, result.output
    return out, result.stderr


def _gitleaks_leak(path: str, line: int, secret: str, prefix: str = "", commit: str = "") -> dict[str, object]:
    return {"Description": "GitHub Personal Access Token", "StartLine": line, "EndLine": line, "StartColumn": 17,
            "EndColumn": 56, "Match": f"TOKEN = '{secret}'", "Secret": secret, "File": prefix + path,
            "SymlinkFile": "", "Commit": commit, "Entropy": 4.9, "Author": "", "Email": "", "Date": "",
            "Message": "", "Tags": [], "RuleID": "github-pat",
            "Fingerprint": (f"{commit}:" if commit else "") + f"{prefix}{path}:github-pat:{line}"}


def test_gitleaks_report_suppresses_exactly_the_findings_it_reported(tmp_path):
    root = tmp_path / "repo"
    places = _tree(root)
    everything = _scan(root)
    assert everything == sorted(places.values())
    # gitleaks run on the parent directory: its paths carry the scanned directory in front.
    report = tmp_path / "gitleaks.json"
    report.write_text(json.dumps([_gitleaks_leak(*places[n], TOKENS[n], prefix="repo/") for n in ("A", "C", "E")]))
    baseline, said = _import(root, report)
    assert "3 imported place(s): 3 matched 3 finding(s)" in said
    assert _scan(root, "--baseline", str(baseline)) == sorted([places["B"], places["D"]])
    text = baseline.read_text()
    assert not [t for t in TOKENS.values() if t in text]  # fingerprints and places only
    assert {e["path"] for e in json.loads(text)["findings"]} == {"config/settings.py", "deploy.sh", "ci.yml"}


def test_a_value_that_differs_at_the_same_place_is_not_suppressed(tmp_path):
    root = tmp_path / "repo"
    places = _tree(root)
    report = tmp_path / "gitleaks.json"
    # gitleaks reported another value on A's line (the token was rotated since): leakscan's stays reported.
    report.write_text(json.dumps([_gitleaks_leak(*places["A"], fake_github_token(999))]))
    baseline, said = _import(root, report)
    assert "no leakscan finding at gitleaks github-pat config/settings.py:1" in said
    assert len(_scan(root, "--baseline", str(baseline))) == 5


def test_trufflehog_json_lines(tmp_path):
    root = tmp_path / "repo"
    places = _tree(root)
    lines = [json.dumps({"SourceMetadata": {"Data": {"Filesystem": {"file": str(root / places[n][0]),
                                                                    "line": places[n][1]}}},
                         "SourceID": 1, "SourceType": 15, "SourceName": "trufflehog - filesystem",
                         "DetectorType": 8, "DetectorName": "Github", "Verified": False, "Raw": TOKENS[n],
                         "Redacted": "", "ExtraData": None}) for n in ("B", "D")]
    report = tmp_path / "trufflehog.json"
    report.write_text("\n".join(lines) + "\n")
    baseline, _ = _import(root, report)
    assert _scan(root, "--baseline", str(baseline)) == sorted([places["A"], places["C"], places["E"]])


def test_gitleaksignore_fingerprints_and_detect_secrets_baseline_together(tmp_path):
    root = tmp_path / "repo"
    places = _tree(root)
    ignore = tmp_path / ".gitleaksignore"
    ignore.write_text(f"# accepted\n{places['A'][0]}:github-pat:{places['A'][1]}\n"
                      f"0123456789abcdef0123456789abcdef01234567:{places['C'][0]}:github-pat:{places['C'][1]}\n")
    ds = tmp_path / ".secrets.baseline"
    ds.write_text(json.dumps({"version": "1.5.0", "plugins_used": [], "filters_used": [], "results": {
        places["D"][0]: [{"type": "GitHub Token", "filename": places["D"][0], "is_verified": False,
                          "line_number": places["D"][1], "hashed_secret": sha1_secret(TOKENS["D"])}]}}))
    baseline, said = _import(root, ignore, ds)
    assert "3 imported place(s): 3 matched 3 finding(s)" in said
    assert _scan(root, "--baseline", str(baseline)) == sorted([places["B"], places["E"]])


def test_import_adds_to_an_existing_leakscan_baseline(tmp_path):
    root = tmp_path / "repo"
    places = _tree(root)
    first = tmp_path / "one.json"
    first.write_text(json.dumps([_gitleaks_leak(*places["A"], TOKENS["A"])]))
    second = tmp_path / "two.json"
    second.write_text(json.dumps([_gitleaks_leak(*places["E"], TOKENS["E"])]))
    _import(root, first)
    baseline, _ = _import(root, second)
    assert _scan(root, "--baseline", str(baseline)) == sorted([places["B"], places["C"], places["D"]])


def test_gitleaks_report_of_a_git_scan_matches_history_findings_by_commit(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    token = TOKENS["A"]
    repo.write("app.py", f"TOKEN = '{token}'\n")
    repo.git("add", "app.py")
    repo.git("commit", "-q", "-m", "add token")
    first = repo.git("rev-parse", "HEAD").strip()
    repo.write("app.py", f"TOKEN = '{token}'\nSECOND = '{TOKENS['B']}'\n")
    repo.git("commit", "-q", "-am", "another")
    report = tmp_path / "gitleaks.json"
    report.write_text(json.dumps([_gitleaks_leak("app.py", 1, token, commit=first)]))
    out = tmp_path / "baseline.json"
    result = CliRunner().invoke(cli, ["baseline", "import", str(report), "--path", str(repo.path), "--history",
                                      "-o", str(out), "--no-progress", "-j", "1"])
    assert result.exit_code == 0, result.output
    scanned = CliRunner().invoke(cli, ["git", str(repo.path), "--format", "json", "--no-progress",
                                       "--baseline", str(out)])
    left = [(f["location"]["path"], f["location"]["line"]) for f in json.loads(scanned.stdout)["findings"]]
    assert left == [("app.py", 2)], scanned.output
    assert token not in out.read_text() and TOKENS["B"] not in out.read_text()


@pytest.mark.parametrize("text", ["not a fingerprint\n", '{"some": "json"}', "[{\"x\": 1}]"])
def test_unknown_formats_are_refused(text):
    with pytest.raises(ImportFormatError):
        read_places("f", text)


def test_unknown_format_is_a_usage_error(tmp_path):
    root = tmp_path / "repo"
    _tree(root)
    bad = tmp_path / "bad.json"
    bad.write_text('{"some": "json"}')
    result = CliRunner().invoke(cli, ["baseline", "import", str(bad), "--path", str(root), "-o",
                                      str(tmp_path / "b.json"), "--no-progress"])
    assert result.exit_code == 2 and "neither a gitleaks or TruffleHog report" in result.output


def test_gitleaksignore_lines_and_report_fields():
    places = read_places(".gitleaksignore", (
        "# comment\n\n"
        "0123456789abcdef0123456789abcdef01234567:src/a:b.py:generic-api-key:12\n"
        "config/x.env:github-pat:3  # trailing comment\n"))
    assert [(p.commit, p.path, p.rule, p.line) for p in places] == [
        ("0123456789abcdef0123456789abcdef01234567", "src/a:b.py", "generic-api-key", 12),
        (None, "config/x.env", "github-pat", 3)]
    leak = _gitleaks_leak("./app.py", 4, TOKENS["A"])
    (place,) = read_places("r.json", json.dumps([leak]))
    assert (place.source, place.path, place.line, place.commit) == ("gitleaks", "app.py", 4, None)
    assert TOKENS["A"] not in repr(place)  # the value is compared, never shown
