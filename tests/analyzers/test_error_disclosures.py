"""Issue 13.5: one-line and short error disclosures (SQL errors of every database family, PHP, ASP.NET,
ColdFusion, default server pages with a version) in JSON, HTML, text, log and HAR bodies."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from leakscan.cli import cli


def _scan(root: Path) -> dict:
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json", "--no-progress"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    assert report["errors"] == []
    return report


@pytest.mark.parametrize("body", [
    '{"error":"internal error"}',
    '{"error": "database error", "code": 500}',
    '{"message": "Syntax error in request body"}',
    "<html><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>",
])
def test_generic_error_bodies_stay_negative(tmp_path, body):
    (tmp_path / "resp.http").write_text(f"HTTP/1.1 500 Internal Server Error\nContent-Type: text/html\n\n{body}\n")
    assert [f for f in _scan(tmp_path)["findings"] if f["category"] == "stacktrace"] == []


def test_code_that_catches_a_database_error_is_not_a_disclosure(tmp_path):
    (tmp_path / "repo.py").write_text(
        "try:\n    cursor.execute(sql)\nexcept sqlite3.DatabaseError as error:\n    log(error)\n"
        "except pymysql.err.OperationalError:\n    reconnect()\n")
    assert [f for f in _scan(tmp_path)["findings"] if f["category"] == "stacktrace"] == []


def test_a_disclosure_in_a_har_response_points_into_its_body(tmp_path):
    body = json.dumps({"error": "DB2 SQL Error: SQLCODE=-204, SQLSTATE=42704, SQLERRMC=APP.T1, DRIVER=4.31.10"})
    entry = {"request": {"method": "GET", "url": "https://api.example.org/v1/t1", "headers": []},
             "response": {"status": 500, "headers": [],
                          "content": {"mimeType": "application/json", "text": body}}}
    har = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [entry]}}
    (tmp_path / "s.har").write_text(json.dumps(har))
    (finding,) = [f for f in _scan(tmp_path)["findings"] if f["category"] == "stacktrace"]
    assert finding["rule_id"] == "stacktrace.sql.db2"
    assert finding["location"]["pointer"].startswith("/log/entries/0/response/content/text")
