"""Issue 13.5: one-line and short error disclosures (SQL errors of every database family, PHP, ASP.NET,
ColdFusion, default server pages with a version) in JSON, HTML, text, log and HAR bodies."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from leakscan.cli import cli

CASES = Path(__file__).parent.parent / "fixtures" / "errors" / "cases.json"


def _scan(root: Path) -> dict:
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json", "--no-progress"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    assert report["errors"] == []
    return report


def _write_cases(root: Path) -> list[dict]:
    cases = json.loads(CASES.read_text(encoding="utf-8"))
    for i, case in enumerate(cases):
        (root / f"c{i:04d}").mkdir(parents=True)
        (root / f"c{i:04d}" / case["file"]).write_text(case["text"], encoding="utf-8")
    return cases


def test_labelled_error_set_precision_and_recall_per_family(tmp_path):
    root = tmp_path / "cases"
    cases = _write_cases(root)
    report = _scan(root)
    flagged = {Path(f["location"]["path"]).parent.name for f in report["findings"] if f["category"] == "stacktrace"}
    outcomes: dict[str, Counter[str]] = {}
    for i, case in enumerate(cases):
        hit = f"c{i:04d}" in flagged
        outcomes.setdefault(case["category"], Counter())[
            {(True, True): "tp", (True, False): "fn", (False, True): "fp", (False, False): "tn"}[(case["expect"], hit)]
        ] += 1
    assert len(outcomes) >= 15  # every database family, PHP, ASP.NET, ColdFusion, server pages
    for family, c in outcomes.items():
        assert c["tp"] + c["fn"] >= 6 and c["fp"] + c["tn"] >= 4, family
        assert c["tp"] / (c["tp"] + c["fp"]) >= 0.95, (family, c)
        assert c["tp"] / (c["tp"] + c["fn"]) >= 0.95, (family, c)


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
