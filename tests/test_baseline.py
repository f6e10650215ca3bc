from __future__ import annotations

import hashlib
import json
import subprocess
import sys

from click.testing import CliRunner

from leakscan.cli import cli

from .conftest import fake_aws_secret_key, fake_github_token
from .gitrepo import GIT_ENV, GitRepo


def run(*args: str):
    return CliRunner().invoke(cli, [*args, "--no-progress"], catch_exceptions=False)


def reported(*args: str) -> list[dict]:
    result = run(*args, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)["findings"]


def test_baseline_holds_fingerprints_not_plaintext_and_survives_lines_moving(tmp_path):
    token, key = fake_github_token(61), fake_aws_secret_key(61)
    src = tmp_path / "src"
    src.mkdir()
    (src / "settings.py").write_text(f"TOKEN = '{token}'\nAWS_SECRET_ACCESS_KEY = '{key}'\n")
    baseline = tmp_path / "base.json"
    result = run("baseline", "create", str(src), "-o", str(baseline))
    assert result.exit_code == 0, result.output
    text = baseline.read_text()
    for secret in (token, key):
        assert secret not in text and secret[4:20] not in text
        assert hashlib.sha1(secret.encode()).hexdigest() not in text
    document = json.loads(text)
    assert document["format"] == "leakscan-baseline" and document["version"] == 1
    assert sorted(e["rule_id"] for e in document["findings"]) == ["aws.secret-access-key", "github.pat.classic"]
    assert all(e["fingerprint"].startswith("sha256:") and e["path"] == "settings.py" for e in document["findings"])

    assert run("scan", str(src), "--baseline", str(baseline)).exit_code == 0
    # Lines move: still known. A new secret: reported, alone.
    new = fake_github_token(62)
    (src / "settings.py").write_text(
        f"# moved\n\n\nAWS_SECRET_ACCESS_KEY = '{key}'\nTOKEN = '{token}'\nNEW = '{new}'\n")
    (finding,) = reported("scan", str(src), "--baseline", str(baseline))
    assert finding["location"]["line"] == 6
    # The same secret in another file is a different finding.
    (src / "copy.py").write_text(f"TOKEN = '{token}'\n")
    assert {f["location"]["path"] for f in reported("scan", str(src), "--baseline", str(baseline))} == \
        {"settings.py", "copy.py"}


def test_update_adds_new_drops_fixed_and_keeps_notes(tmp_path):
    token, key = fake_github_token(63), fake_aws_secret_key(63)
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text(f"TOKEN = '{token}'\n")
    baseline = tmp_path / "base.json"
    run("baseline", "create", str(src), "-o", str(baseline))
    document = json.loads(baseline.read_text())
    document["findings"][0]["note"] = "test fixture, revoked 2024-01"
    baseline.write_text(json.dumps(document))
    (src / "a.py").write_text(f"\nTOKEN = '{token}'\n")
    (src / "b.py").write_text(f"AWS_SECRET_ACCESS_KEY = '{key}'\n")
    assert run("baseline", "update", str(src), "-o", str(baseline)).exit_code == 0
    entries = {e["path"]: e for e in json.loads(baseline.read_text())["findings"]}
    assert entries["a.py"]["note"] == "test fixture, revoked 2024-01" and entries["a.py"]["line"] == 2
    assert entries["b.py"]["rule_id"] == "aws.secret-access-key"
    (src / "a.py").write_text("TOKEN = None\n")
    run("baseline", "update", str(src), "-o", str(baseline))
    assert [e["path"] for e in json.loads(baseline.read_text())["findings"]] == ["b.py"]


def test_detect_secrets_baseline_is_honoured(tmp_path, monkeypatch):
    token, other = fake_github_token(64), fake_github_token(65)
    repo = GitRepo(tmp_path / "project")
    repo.write("app.py", f"GITHUB_TOKEN = '{token}'\n")
    repo.git("add", "app.py")
    # A baseline written by detect-secrets itself.
    scan = subprocess.run([sys.executable, "-m", "detect_secrets", "scan"], cwd=repo.path, env=GIT_ENV,
                          capture_output=True, text=True, check=True)
    (repo.path / ".secrets.baseline").write_text(scan.stdout)
    assert "app.py" in json.loads(scan.stdout)["results"]
    repo.write("app.py", f"# moved down\nGITHUB_TOKEN = '{token}'\nOTHER = '{other}'\n")
    monkeypatch.chdir(repo.path)  # as users run it, from the repository root
    # detect-secrets' sha1 hex looks like a token to some rules: a baseline file never reports.
    assert {f["location"]["path"] for f in reported("scan", ".")} == {"app.py"}
    (finding,) = reported("scan", ".", "--baseline", ".secrets.baseline")
    assert (finding["location"]["path"], finding["location"]["line"]) == ("app.py", 3)


def test_hand_written_detect_secrets_baseline_matches_on_file_and_sha1(tmp_path):
    key = fake_aws_secret_key(66)
    src = tmp_path / "src"
    (src / "conf").mkdir(parents=True)
    (src / "conf" / "aws.ini").write_text(f"aws_secret_access_key = {key}\n")
    (src / "other.ini").write_text(f"aws_secret_access_key = {key}\n")
    baseline = tmp_path / ".secrets.baseline"
    baseline.write_text(json.dumps({"version": "1.4.0", "plugins_used": [], "filters_used": [], "results": {
        "conf/aws.ini": [{"type": "AWS Access Key", "filename": "conf/aws.ini", "is_verified": False,
                          "hashed_secret": hashlib.sha1(key.encode()).hexdigest(), "line_number": 7}]}}))
    (finding,) = reported("scan", str(src), "--baseline", str(baseline))
    assert finding["location"]["path"] == "other.ini"


def test_history_baseline_applies_to_git_scans(tmp_path):
    repo = GitRepo(tmp_path / "project")
    repo.commit("old", {"old.env": f"T={fake_github_token(67)}\n"})
    repo.commit("gone", {"old.env": None})
    baseline = tmp_path / "history.json"
    assert run("baseline", "create", str(repo.path), "--history", "-o", str(baseline)).exit_code == 0
    assert len(json.loads(baseline.read_text())["findings"]) == 1
    assert run("git", str(repo.path), "--baseline", str(baseline)).exit_code == 0
    repo.commit("new", {"new.env": f"T={fake_github_token(68)}\n"})
    (finding,) = reported("git", str(repo.path), "--baseline", str(baseline))
    assert finding["location"]["path"] == "new.env"


def test_broken_baseline_is_a_usage_error(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run("scan", str(tmp_path / "a.py"), "--baseline", str(bad))
    assert result.exit_code == 2 and "not valid JSON" in result.output
    bad.write_text(json.dumps({"something": "else"}))
    assert run("scan", str(tmp_path / "a.py"), "--baseline", str(bad)).exit_code == 2


# ---- fingerprints: never a way back to a guessable value (issue 19.3) ----------------------

def _ssn_json(tmp_path, ssn: str):
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "customer.json").write_text(json.dumps({"customer": {"name": "Jo", "ssn": ssn}}) + "\n")
    return src


def _only(findings: list[dict], rule_prefix: str) -> dict:
    (finding,) = [f for f in findings if f["rule_id"].startswith(rule_prefix)]
    return finding


def test_pii_fingerprint_cannot_be_brute_forced_from_fingerprint_and_mask(tmp_path):
    from leakscan.suppression.fingerprint import secret_hash, value_fingerprint

    src = _ssn_json(tmp_path, "536-22-6789")
    finding = _only(reported("scan", str(src)), "pii.ssn")
    assert finding["masked"] == "***-**-6789"
    # The attack of issue 19: try every SSN the mask allows against the published fingerprint.
    tried = {value_fingerprint(finding["rule_id"], "customer.json", secret_hash(f"{a:03d}-{b:02d}-6789"))
             for a in range(1000) for b in range(100)}
    assert finding["fingerprint"] not in tried
    # And the fingerprint carries nothing of the value: another SSN in the same place, same fingerprint.
    (src / "customer.json").write_text(json.dumps({"customer": {"name": "Jo", "ssn": "412-55-7301"}}) + "\n")
    assert _only(reported("scan", str(src)), "pii.ssn")["fingerprint"] == finding["fingerprint"]


def test_short_password_fingerprint_ignores_the_value_long_token_keeps_it(tmp_path):
    from leakscan.suppression.fingerprint import is_guessable, secret_hash, value_fingerprint

    token = fake_github_token(66)
    assert is_guessable("secret", "hunter22") and is_guessable("pii", token) and not is_guessable("secret", token)
    src = tmp_path / "src"
    src.mkdir()
    (src / "settings.py").write_text(f"TOKEN = '{token}'\n")
    finding = _only(reported("scan", str(src)), "github.pat.classic")
    # High entropy: the value-based format of earlier versions, stable across line moves.
    assert finding["fingerprint"] == value_fingerprint("github.pat.classic", "settings.py", secret_hash(token))


def test_fingerprint_key_gives_hmac_that_changes_with_the_key(tmp_path):
    src = _ssn_json(tmp_path, "536-22-6789")
    token = fake_github_token(67)
    (src / "settings.py").write_text(f"TOKEN = '{token}'\n")

    def prints(key: str) -> dict[str, str]:
        result = CliRunner(env={"LEAKSCAN_FINGERPRINT_KEY": key}).invoke(
            cli, ["scan", str(src), "--format", "json", "--no-progress"], catch_exceptions=False)
        return {f["rule_id"]: f["fingerprint"] for f in json.loads(result.output)["findings"]}

    one, two, again = prints("key-one"), prints("key-two"), prints("key-one")
    assert one == again and set(one) == set(two)
    assert all(fp.startswith("hmac-sha256:") for fp in [*one.values(), *two.values()])
    assert all(one[rule] != two[rule] for rule in one)
    # Keyed prints are value-based, so a line move keeps them.
    (src / "settings.py").write_text(f"\n\nTOKEN = '{token}'\n")
    assert prints("key-one")["github.pat.classic"] == one["github.pat.classic"]


def test_legacy_value_fingerprints_in_a_baseline_still_match_and_update_migrates_them(tmp_path):
    from leakscan.suppression.fingerprint import secret_hash, value_fingerprint

    ssn = "536-22-6789"
    src = _ssn_json(tmp_path, ssn)
    rule_id = _only(reported("scan", str(src)), "pii.ssn")["rule_id"]
    legacy = value_fingerprint(rule_id, "customer.json", secret_hash(ssn))
    baseline = tmp_path / "base.json"
    baseline.write_text(json.dumps({"format": "leakscan-baseline", "version": 1, "findings": [
        {"fingerprint": legacy, "rule_id": rule_id, "path": "customer.json", "line": 1, "note": "accepted"}]}))
    assert not [f for f in reported("scan", str(src), "--baseline", str(baseline)) if f["rule_id"] == rule_id]
    assert run("baseline", "update", str(src), "-o", str(baseline)).exit_code == 0
    (entry,) = [e for e in json.loads(baseline.read_text())["findings"] if e["rule_id"] == rule_id]
    assert entry["fingerprint"] != legacy and entry["note"] == "accepted"
    assert not [f for f in reported("scan", str(src), "--baseline", str(baseline)) if f["rule_id"] == rule_id]


def _fake_jwt(seed: int) -> str:
    import base64
    import random

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    rng = random.Random(seed)
    claims = {"sub": str(rng.randrange(10 ** 6)), "iat": 1700000000 + seed}
    return ".".join((part(b'{"alg":"HS256","typ":"JWT"}'), part(json.dumps(claims).encode()),
                     part(bytes(rng.randrange(256) for _ in range(32)))))


def _fake_pem(seed: int) -> str:
    import base64
    import random
    import textwrap

    rng = random.Random(seed)
    body = base64.b64encode(bytes(rng.randrange(256) for _ in range(1190))).decode()
    return ("-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(textwrap.wrap(body, 64))
            + "\n-----END RSA PRIVATE KEY-----\n")


def test_detect_secrets_1_5_baseline_hides_its_jwt_and_private_key(tmp_path, monkeypatch):
    repo = GitRepo(tmp_path / "project")
    repo.write("app.py", f"SESSION = '{_fake_jwt(1)}'\n")
    repo.write("deploy/id_rsa", _fake_pem(1))
    repo.git("add", "app.py", "deploy/id_rsa")
    scan = subprocess.run([sys.executable, "-m", "detect_secrets", "scan"], cwd=repo.path, env=GIT_ENV,
                          capture_output=True, text=True, check=True)
    document = json.loads(scan.stdout)
    types = {r["type"] for results in document["results"].values() for r in results}
    assert {"JSON Web Token", "Private Key"} <= types, document["results"]
    (repo.path / ".secrets.baseline").write_text(scan.stdout)
    monkeypatch.chdir(repo.path)
    before = {(f["location"]["path"], f["rule_id"]) for f in reported("scan", ".")}
    assert {p for p, _ in before} == {"app.py", "deploy/id_rsa"}
    assert reported("scan", ".", "--baseline", ".secrets.baseline") == []
    # A new JWT and a new key are still reported.
    repo.write("app.py", f"SESSION = '{_fake_jwt(1)}'\nOTHER = '{_fake_jwt(2)}'\n")
    repo.write("deploy/id_rsa", "\n" + _fake_pem(2))
    findings = reported("scan", ".", "--baseline", ".secrets.baseline")
    left = {(f["location"]["path"], f["location"]["line"]) for f in findings}
    assert left == {("app.py", 2), ("deploy/id_rsa", 2)}


def test_update_says_what_it_added_and_dropped(tmp_path):
    token, key = fake_github_token(71), fake_aws_secret_key(71)
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text(f"TOKEN = '{token}'\n")
    baseline = tmp_path / "base.json"
    run("baseline", "create", str(src), "-o", str(baseline))
    (src / "a.py").write_text("TOKEN = None\n")
    (src / "b.py").write_text(f"AWS_SECRET_ACCESS_KEY = '{key}'\n")
    result = CliRunner().invoke(cli, ["baseline", "update", str(src), "-o", str(baseline),
                                         "--no-progress"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "added 1, dropped 1, kept 0" in result.stderr
    assert "+ aws.secret-access-key  b.py:1" in result.stderr and "- github.pat.classic  a.py:1" in result.stderr
    assert token not in result.stderr and key not in result.stderr


def test_a_baseline_suppresses_a_finding_whose_pointer_is_masked(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "people.json").write_text(json.dumps({"people": {"jane.doe@corpmail.net": {"ssn": "536-22-6789"}}}))
    assert [f for f in reported("scan", str(src)) if f["rule_id"].startswith("pii.ssn")]
    baseline = tmp_path / "base.json"
    assert run("baseline", "create", str(src), "-o", str(baseline)).exit_code == 0
    assert "jane.doe" not in baseline.read_text()
    findings = reported("scan", str(src), "--baseline", str(baseline))
    assert not [f for f in findings if f["rule_id"].startswith("pii.ssn")]
