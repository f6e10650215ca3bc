from __future__ import annotations

from leakscan.model import Adjustment, Candidate, Origin
from leakscan.scoring import score

from .conftest import fake_github_token


def candidate(engine, rule_id: str, secret: str, path: str = "app/config.py", line: str = "", **kw) -> Candidate:
    return Candidate(rule=engine.rule(rule_id), secret=secret, origin=Origin(kind="file", path=path),
                     line=1, column=1, end_line=1, end_column=len(secret) + 1, line_text=line or secret, **kw)


def test_validated_token_scores_high_and_explains(engine):
    result = score(candidate(engine, "github.pat.classic", fake_github_token(3)))
    assert result.confidence >= 0.95
    assert result.reasons[0].startswith("pattern github.pat.classic: ")
    assert any(r.startswith("github checksum valid: +") for r in result.reasons)


def test_broken_checksum_drops_below_threshold(engine):
    token = fake_github_token(3)
    broken = token[:-6] + ("AAAAAB" if not token.endswith("AAAAAB") else "AAAAAC")
    result = score(candidate(engine, "github.pat.classic", broken))
    assert result.confidence < 0.5
    assert any("github checksum does not match" in r for r in result.reasons)


def test_documentation_key_is_dropped(engine):
    result = score(candidate(engine, "aws.access-key-id", "AKIAIOSFODNN7EXAMPLE"))
    assert result.confidence < 0.5
    assert any("documentation example value" in r for r in result.reasons)


def test_test_paths_and_lockfiles_lower_confidence(engine):
    token = fake_github_token(4)
    base = score(candidate(engine, "github.pat.classic", token)).confidence
    in_tests = score(candidate(engine, "github.pat.classic", token, path="tests/test_api.py"))
    in_lock = score(candidate(engine, "github.pat.classic", token, path="web/package-lock.json"))
    assert in_tests.confidence < base and any("tests, docs or examples" in r for r in in_tests.reasons)
    assert in_lock.confidence < in_tests.confidence and any("lockfile" in r for r in in_lock.reasons)


def test_analyzer_adjustments_are_applied_and_recorded(engine):
    c = candidate(engine, "github.pat.classic", fake_github_token(5),
                  adjustments=(Adjustment("key name 'token'", 0.02),))
    result = score(c)
    assert "key name 'token': +0.02" in result.reasons


def test_confidence_is_clamped(engine):
    c = candidate(engine, "github.pat.classic", fake_github_token(5), adjustments=(Adjustment("x", 5.0),))
    assert score(c).confidence == 1.0


def test_configuration_files_raise_confidence(engine):
    secret = "Xk29fjq2LLw8"
    line = f"export DB_PASSWORD={secret}"
    in_code = score(candidate(engine, "generic.password.env", secret, path="src/app.sh", line=line))
    in_env = score(candidate(engine, "generic.password.env", secret, path="deploy/.env.production", line=line))
    in_profile = score(candidate(engine, "generic.password.env", secret, path=".bash_profile", line=line))
    assert in_env.confidence == in_profile.confidence == round(in_code.confidence + 0.1, 2)
    assert "in a configuration or environment file: +0.10" in in_env.reasons


def test_a_field_name_value_is_a_placeholder_except_in_credential_stores(engine):
    line = "localhost:5432:app:root:password"
    in_docs = score(candidate(engine, "generic.password.env", "password", path="src/settings.sh", line=line))
    in_pgpass = score(candidate(engine, "generic.password.env", "password", path="home/.pgpass", line=line))
    assert any("value only names its field" in r for r in in_docs.reasons)
    assert not any("names its field" in r for r in in_pgpass.reasons)
    assert any("default or demo value (password)" in r for r in in_pgpass.reasons)


def test_keyboard_walk_password_in_a_connection_uri_is_reported_lower(engine):
    line = "uri: 'mongodb+srv://shop:Asdfghjk#7731@cluster7-q2w9x.mongodb.net/db?retryWrites=true'"
    result = score(candidate(engine, "connections.mongodb.uri", "Asdfghjk#7731", line=line))
    assert 0.5 <= result.confidence < 0.8
    assert any("keyboard walk in a password" in r for r in result.reasons)
    assert not any("repeated or sequential" in r for r in result.reasons)


def test_password_in_prose_is_reported_in_scripts_not_in_readmes(engine):
    line = "echo \"The default password for the admin account is 'Vq7#mKe2'\""
    in_script = score(candidate(engine, "generic.password.prose", "Vq7#mKe2", path="setup/install.sh", line=line))
    in_readme = score(candidate(engine, "generic.password.prose", "Vq7#mKe2", path="README.md", line=line))
    assert in_script.confidence >= 0.5 > in_readme.confidence


def test_a_published_test_card_says_so_in_plain_words(engine):
    line = "card_number: 4242 4242 4242 4242"
    result = score(candidate(engine, "pii.card-number.keyed", "4242 4242 4242 4242", line=line))
    assert "published test card number: -0.60" in result.reasons
    assert not any("invalid" in r for r in result.reasons)


def test_no_reason_adds_zero(engine):
    c = candidate(engine, "github.pat.classic", fake_github_token(6),
                  adjustments=(Adjustment("seen in a header", 0.0),))
    result = score(c)
    assert "seen in a header" in result.reasons
    assert not any(r.endswith(("+0.00", "-0.00")) for r in result.reasons)


def test_dummy_ssns_drop_below_the_threshold(engine):
    for ssn in ("111-22-3333", "123-45-6789", "987-65-4321", "555-55-5555"):
        line = f"    ssn: {ssn}"
        result = score(candidate(engine, "pii.ssn.keyed", ssn, path="pkg/models.py", line=line))
        assert result.confidence < 0.5, (ssn, result.reasons)
    real = score(candidate(engine, "pii.ssn.keyed", "536-22-1845", path="pkg/models.py", line="ssn: 536-22-1845"))
    assert real.confidence >= 0.5


def test_short_passwords_in_tests_are_test_values_but_not_elsewhere(engine):
    line = "machine host.domain.com login log password pass1 account acct"
    in_test = score(candidate(engine, "files.netrc.password", "pass1", path="Lib/test/test_netrc.py", line=line))
    assert in_test.confidence < 0.5
    assert any("short value (5 characters) in tests or docs" in r for r in in_test.reasons)
    line = "machine ftp.corp.lan login ops password Zq8#vLw3"
    real = score(candidate(engine, "files.netrc.password", "Zq8#vLw3", path="home/ops/.netrc", line=line))
    assert real.confidence >= 0.7 and not any("short value" in r for r in real.reasons)


def test_error_names_in_source_code_are_not_payloads(engine):
    for text, path in (("sqlite3.OperationalError: no such table: orders", "pkg/db.py"),
                       ("java.sql.SQLException: Access denied for user", "src/Repo.java")):
        rule = "stacktrace.sql.sqlite" if "sqlite" in text else "stacktrace.sql.jdbc"
        in_code = score(candidate(engine, rule, text, path=path, line=f'    msg = "{text}"'))
        in_log = score(candidate(engine, rule, text, path="logs/api.log", line=text))
        assert in_code.confidence < 0.5 <= in_log.confidence
        assert "in source code, not an error payload: -0.30" in in_code.reasons
