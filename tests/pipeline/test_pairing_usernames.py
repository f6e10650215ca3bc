"""User names are identifiers: a password beside one names it (reasons, `related`); alone it is not reported."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Finding, Origin
from leakscan.pipeline.findings import scan_chunk
from leakscan.store.records import finding_from_record, finding_record
from leakscan.verify.report_file import load_report

from ..conftest import fake_password, fake_user_name
from ..gitrepo import GitRepo


def scan(engine: Engine, text: str, path: str) -> list[Finding]:
    return scan_chunk(Chunk(text, Origin(kind="file", path=path)), engine)[0]


def named_user(finding: Finding) -> list[str]:
    return [r for r in finding.reasons if r.startswith("paired with user name ")]


# (path, text with {user} and {password}, line of the user name, line of the password)
SYNTAXES = {
    "json": ("deploy/sftp.json",
             '{{\n  "host": "files.internal.test",\n  "user": "{user}",\n  "pass": "{password}",\n  "port": 22\n}}\n',
             3, 4),
    "xml": ("conf/settings.xml",
            "<settings>\n  <servers>\n    <server>\n      <id>internal</id>\n      <username>{user}</username>\n"
            "      <password>{password}</password>\n    </server>\n  </servers>\n</settings>\n", 5, 6),
    "env": ("app/.env", "DB_HOST=db01\nDB_USERNAME={user}\n# the database password\nDB_PASSWORD={password}\n", 2, 4),
    "yaml": ("config/database.yml", "production:\n  adapter: postgresql\n  username: {user}\n  password: {password}\n",
             3, 4),
    "code": ("app/db.py", 'connect(\n    user="{user}",\n    password="{password}",\n)\n', 2, 3),
    "connection string": ("src/Db.cs",
                          'var cs = "Server=db01;Database=shop;User Id={user};Password={password};";\n', 1, 1),
    "command line": ("scripts/backup.sh", "mysqldump -h db01 -u {user} -p'{password}' shop > shop.sql\n", 1, 1),
    "typed declaration": ("internal/db.go",
                          'var dbUser string = "{user}"\nvar dbPassword string = "{password}"\n', 1, 2),
    "call with the key": ("src/Mail.java", 'System.setProperty("mail.smtp.user", "{user}");\n'
                          'System.setProperty("mail.smtp.password", "{password}");\n', 1, 2),
    "properties": ("conf/app.properties", "spring.datasource.username={user}\nspring.datasource.password={password}\n",
                   1, 2),
}


@pytest.mark.parametrize("syntax", sorted(SYNTAXES))
def test_a_password_names_the_user_name_beside_it(engine, syntax):
    path, template, user_line, password_line = SYNTAXES[syntax]
    user, password = fake_user_name(len(syntax)), fake_password(len(syntax))
    found = scan(engine, template.format(user=user, password=password), path)
    assert [f.category for f in found] == ["secret"], [(f.rule_id, f.reasons) for f in found]
    (finding,) = found
    assert finding.location.line == password_line
    assert finding.related_lines == (user_line,)
    (reason,) = named_user(finding)
    # Masked as user names are: the first and last character, never the whole name.
    assert reason == f"paired with user name {user[0]}{'*' * (len(user) - 2)}{user[-1]} (line {user_line})"
    assert user not in " ".join(finding.reasons) and password not in " ".join(finding.reasons)


def test_a_user_name_does_not_move_the_passwords_confidence_nor_its_fingerprint(engine):
    password = fake_password(41)
    alone = scan(engine, f"DB_HOST=db01\nDB_PASSWORD={password}\n", "app/.env")
    paired = scan(engine, f"DB_USERNAME={fake_user_name(41)}\nDB_PASSWORD={password}\n", "app/.env")
    assert len(alone) == len(paired) == 1
    assert paired[0].confidence == alone[0].confidence
    assert paired[0].fingerprint == alone[0].fingerprint  # the pairing adds a field, not a new identity
    assert alone[0].related_lines == () and paired[0].related_lines == (1,)


@pytest.mark.parametrize("text", [
    "DB_USERNAME={user}\n",
    '{{"username": "{user}", "email_verified": true}}\n',
    "<User>{user}</User>\n",
    "mysql -h db01 -u {user} shop\n",
])
def test_a_user_name_alone_is_not_reported(engine, text):
    user = fake_user_name(42)
    assert scan(engine, text.format(user=user), "config/app.conf") == []
    shown = Engine.build(Config(jobs=1, min_confidence=0.0))
    notes = [f for f in scan(shown, text.format(user=user), "config/app.conf") if f.category == "identifier"]
    assert notes and all(f.confidence <= 0.3 for f in notes)
    assert any("a user name, not a secret" in r for f in notes for r in f.reasons)


@pytest.mark.parametrize("user", ["<user>", "${DB_USER}", "$USER", "%USERNAME%", "{{ db_user }}", "username",
                                  "your_user_name", "changeme"])
def test_placeholders_and_variables_are_not_user_names(engine, user):
    password = fake_password(43)
    for path, text in (("app/.env", f"DB_USERNAME={user}\nDB_PASSWORD={password}\n"),
                       ("app/db.py", f'db = dict(\n    user="{user}",\n    password="{password}",\n)\n')):
        found = scan(engine, text, path)
        assert [f.category for f in found] == ["secret"]
        assert not named_user(found[0]) and found[0].related_lines == ()


def test_a_user_name_too_far_away_or_in_another_file_is_not_named(engine):
    filler = "".join(f"SETTING_{i}={i}\n" for i in range(8))
    found = scan(engine, f"DB_USERNAME={fake_user_name(44)}\n{filler}DB_PASSWORD={fake_password(44)}\n", "app/.env")
    assert [f.category for f in found] == ["secret"] and not named_user(found[0])


def test_each_password_names_its_own_user_name(engine):
    first, second = fake_user_name(45), fake_user_name(46)
    text = (f"[primary]\nuser = {first}\npassword = {fake_password(45)}\n\n"
            f"[replica]\nuser = {second}\npassword = {fake_password(46)}\n")
    found = scan(engine, text, "etc/db.ini")
    assert [(f.location.line, f.related_lines) for f in found] == [(3, (2,)), (7, (6,))]


def test_a_password_equal_to_its_user_name_is_still_reported(engine):
    user = fake_user_name(47)
    found = scan(engine, f"DB_USERNAME={user}\nDB_PASSWORD={user}\n", "app/.env")
    assert [(f.category, f.location.line, f.related_lines) for f in found] == [("secret", 2, (1,))]


def test_the_stored_record_keeps_the_related_lines(engine):
    (finding,) = scan(engine, f"DB_USERNAME={fake_user_name(48)}\nDB_PASSWORD={fake_password(48)}\n", "app/.env")
    assert finding_from_record(json.loads(json.dumps(finding_record(finding)))).related_lines == (1,)


def test_json_and_sarif_reports_list_the_related_place(tmp_path):
    user, password = fake_user_name(49), fake_password(49)
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / ".env").write_text(f"DB_HOST=db01\nDB_USERNAME={user}\nDB_PASSWORD={password}\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["scan", str(tmp_path), "--format", "json", "--no-progress"])
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.output)["findings"]
    assert finding["related"] == ["deploy/.env:2"] and finding["location"]["line"] == 3
    sarif = runner.invoke(cli, ["scan", str(tmp_path), "--format", "sarif", "--no-progress"]).output
    (result_,) = json.loads(sarif)["runs"][0]["results"]
    (related,) = result_["relatedLocations"]
    assert related["physicalLocation"] == {"artifactLocation": {"uri": "deploy/.env"}, "region": {"startLine": 2}}
    for output in (result.output, sarif):
        assert user not in output and password not in output
    html = runner.invoke(cli, ["scan", str(tmp_path), "--format", "html", "--no-progress"]).output
    assert '"related": ["deploy/.env:2"]' in html and user not in html and password not in html
    # Read back (`leakscan verify REPORT.json`), the report keeps the field.
    (again,) = load_report(result.output).findings
    assert again.related_lines == (2,)


def test_on_one_line_each_password_names_the_user_name_nearest_to_it(engine):
    first, second = "a" + fake_user_name(50), "z" + fake_user_name(51)
    records = [{"user": first, "password": fake_password(50)}, {"user": second, "password": fake_password(51)}]
    found = scan(engine, json.dumps(records), "exports/accounts.json")
    assert [f.category for f in found] == ["secret", "secret"]
    assert [named_user(f)[0].split()[4][0] for f in found] == ["a", "z"]
    assert all(f.related_lines == (1,) for f in found)


def test_a_password_names_only_a_user_name_of_its_own_block(engine):
    """DB_USER goes with DB_PASSWORD; REDIS_PASSWORD and MYSQL_ROOT_PASSWORD name no one's user."""
    db_user, smtp_user = fake_user_name(52), fake_user_name(53)
    text = (f"DB_USER={db_user}\nDB_PASSWORD={fake_password(52)}\nREDIS_PASSWORD={fake_password(53)}\n"
            f"SMTP_USER={smtp_user}\nSMTP_PASSWORD={fake_password(54)}\nMYSQL_ROOT_PASSWORD={fake_password(55)}\n")
    found = scan(engine, text, "deploy/.env")
    assert [(f.location.line, f.related_lines) for f in found] == [(2, (1,)), (3, ()), (5, (4,)), (6, ())]
    spring = scan(engine, f"spring.datasource.username={db_user}\nspring.mail.password={fake_password(56)}\n",
                  "conf/app.properties")
    assert [f.related_lines for f in spring] == [()]


def test_history_findings_name_the_user_name_of_their_revision(tmp_path):
    """In `leakscan git`, the password added in a commit names the user name of that commit's file."""
    user, password = fake_user_name(57), fake_password(57)
    repo = GitRepo(tmp_path / "repo")
    repo.commit("database", {"deploy/db.ini": f"[db]\nhost = db01\nuser = {user}\npassword = {password}\n"})
    repo.commit("no password", {"deploy/db.ini": f"[db]\nhost = db01\nuser = {user}\n"})
    result = CliRunner().invoke(cli, ["git", str(repo.path), "--format", "json", "--no-progress"])
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.output)["findings"]
    assert finding["location"]["commit"] and finding["related"] == ["deploy/db.ini:3"]
    assert user not in result.output and password not in result.output
