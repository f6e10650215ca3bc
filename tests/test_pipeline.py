from __future__ import annotations

import dataclasses
import os

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk
from leakscan.pipeline.interruption import INTERRUPTED
from leakscan.pipeline.tree import scan_paths

from .conftest import fake_aws_secret_key, fake_github_token
from .processes import children


def write_tree(root, count: int = 40):
    for i in range(count):
        (root / f"mod{i:02d}.py").write_text(f"# module {i}\nTOKEN = '{fake_github_token(i)}'\n")
    (root / "clean.py").write_text("print('hello')\n")


def summary(report):
    return [(f.location.path, f.location.line, f.rule_id, f.fingerprint) for f in report.findings]


def test_parallel_scan_equals_serial_and_is_deterministic(tmp_path, engine):
    write_tree(tmp_path)
    serial = scan_paths([str(tmp_path)], engine)
    parallel_engine = dataclasses.replace(engine, config=dataclasses.replace(engine.config, jobs=2))
    parallel = scan_paths([str(tmp_path)], parallel_engine)
    assert len(serial.findings) == 40
    assert summary(serial) == summary(parallel) == summary(scan_paths([str(tmp_path)], parallel_engine))
    assert serial.stats.files == 41


def test_overlapping_matches_keep_the_most_specific(engine):
    token = fake_github_token(9)
    found, _ = scan_chunk(Chunk(f'password = "{token}"\n', Origin(kind="file", path="a.py")), engine)
    assert [f.rule_id for f in found] == ["github.pat.classic"]


def test_inline_ignores(engine):
    text = (f"a = '{fake_github_token(1)}'  # leakscan:ignore\n"
            f"b = '{fake_github_token(2)}'  # pragma: allowlist secret\n"
            "# pragma: allowlist nextline secret\n"
            f"c = '{fake_github_token(3)}'\n"
            f"d = '{fake_github_token(4)}'  # leakscan:ignore=aws.access-key-id\n")
    found, _ = scan_chunk(Chunk(text, Origin(kind="file", path="a.py")), engine)
    assert [f.location.line for f in found] == [5]


def test_path_allowlist_and_threshold(tmp_path):
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "keys.py").write_text(f"k = '{fake_github_token(1)}'\n")
    (tmp_path / "app.py").write_text(f"aws_secret_access_key = '{fake_aws_secret_key(2)}'\n")
    allow = Engine.build(Config(jobs=1, allow_paths=("fixtures/*",)))
    assert [f.location.path for f in scan_paths([str(tmp_path)], allow).findings] == ["app.py"]
    strict = Engine.build(Config(jobs=1, min_confidence=0.99))
    assert scan_paths([str(tmp_path)], strict).findings == ()


def test_line_and_column_are_absolute(engine):
    token = fake_github_token(6)
    origin = Origin(kind="file", path="x.yaml", line_offset=10, column_offset=4)
    found, _ = scan_chunk(Chunk(f"tok: {token}", origin), engine)
    loc = found[0].location
    assert (loc.line, loc.column, loc.end_line, loc.end_column) == (11, 10, 11, 50)


def test_a_failing_file_becomes_an_error_and_the_scan_goes_on(tmp_path, engine, monkeypatch):
    write_tree(tmp_path, 3)
    import leakscan.pipeline.tree as pipeline

    real = pipeline.scan_chunk

    def flaky(chunk, eng, data=None, tally=None):
        if chunk.origin.path == "mod01.py":
            raise RuntimeError("boom")
        return real(chunk, eng, data, tally)

    monkeypatch.setattr(pipeline, "scan_chunk", flaky)
    report = scan_paths([str(tmp_path)], engine)
    assert [e.path for e in report.errors] == ["mod01.py"] and "boom" in report.errors[0].message
    assert {f.location.path for f in report.findings} == {"mod00.py", "mod02.py"}


def test_two_rules_for_the_same_secret_on_one_line_give_one_finding(engine):
    from leakscan.model import Candidate
    from leakscan.pipeline.findings import findings_from

    line = "machine ftp.corp.lan login backup password Zq8vLw3TmK9pRx2 # Zq8vLw3TmK9pRx2"
    origin = Origin(kind="file", path="home/.netrc")
    start, again = line.index("Zq8"), line.rindex("Zq8")

    def cand(rule_id: str, column: int, secret: str) -> Candidate:
        return Candidate(rule=engine.rule(rule_id), secret=secret, origin=origin, line=1, column=column,
                         end_line=1, end_column=column + len(secret), line_text=line)

    # Same name ("netrc credentials"), the same secret at spans that do not overlap: still one finding.
    found = findings_from([cand("files.netrc.password", start + 1, "Zq8vLw3TmK9pRx2"),
                           cand("netrc.password", again + 1, "Zq8vLw3TmK9pRx2")], engine.config)
    assert len(found) == 1
    # A different kind of thing on the same line is its own finding.
    token = fake_github_token(7)
    found = findings_from([cand("files.netrc.password", start + 1, "Zq8vLw3TmK9pRx2"),
                           cand("github.pat.classic", 80, token)], engine.config)
    assert sorted(f.rule_id for f in found) == ["files.netrc.password", "github.pat.classic"]


def test_distinct_values_of_one_name_on_one_line_are_each_a_finding(engine):
    """A minified file or a JSON string is one line: two keys there are two findings, whichever rules
    of that name saw them."""
    from leakscan.model import Candidate
    from leakscan.pipeline.findings import findings_from

    first, second = fake_github_token(11), fake_github_token(12)
    line = f"const a='{first}',b='{second}';"
    origin = Origin(kind="file", path="dist/app.min.js")

    def cand(rule_id: str, secret: str) -> Candidate:
        column = line.index(secret) + 1
        return Candidate(rule=engine.rule(rule_id), secret=secret, origin=origin, line=1, column=column,
                         end_line=1, end_column=column + len(secret), line_text=line)

    found = findings_from([cand("github.pat.classic", first), cand("github.pat.classic", second)],
                          engine.config)
    assert sorted(f.location.column for f in found) == [line.index(first) + 1, line.index(second) + 1]


def test_one_error_matched_twice_on_one_line_is_one_disclosure(engine):
    """An Oracle error's ORA- and PLS- parts in one log string (one line of a JSON document) are one
    finding: a stack trace or error is a fact about the place, not a value."""
    from leakscan.model import Candidate
    from leakscan.pipeline.findings import findings_from

    line = ("ERROR request failed: ORA-06550: line 1, column 7:\\nERROR request failed: PLS-00201: "
            "identifier 'TOTAL_AMT' must be declared")
    origin = Origin(kind="file", path="logs/app.json", pointer="/3/text")

    def cand(part: str) -> Candidate:
        column = line.index(part) + 1
        return Candidate(rule=engine.rule("stacktrace.sql.oracle"), secret=part, origin=origin, line=1,
                         column=column, end_line=1, end_column=column + len(part), line_text=line)

    found = findings_from([cand("ORA-06550: line 1, column 7"), cand("PLS-00201: identifier 'TOTAL_AMT'")],
                          engine.config)
    assert [f.rule_id for f in found] == ["stacktrace.sql.oracle"]


def test_a_worker_that_dies_on_a_file_is_retried_and_only_that_file_is_reported(tmp_path, engine, monkeypatch):
    from leakscan.pipeline import tree as pipeline

    write_tree(tmp_path)
    real_read_file = pipeline.read_file

    def read_file(ref, *args, **kwargs):
        if ref.display.endswith("mod07.py"):
            os._exit(3)  # a worker crashing (forked: it inherits this patch); multiprocessing.Pool hung here
        return real_read_file(ref, *args, **kwargs)

    monkeypatch.setattr(pipeline, "read_file", read_file)
    parallel_engine = dataclasses.replace(engine, config=dataclasses.replace(engine.config, jobs=2))
    report = scan_paths([str(tmp_path)], parallel_engine)
    assert [(e.path.rsplit("/", 1)[-1], e.message) for e in report.errors] == [
        ("mod07.py", "not scanned: a scan worker died twice on this file")]
    assert len(report.findings) == 39 and report.stats.files == 40  # the dead worker's other files: scanned again
    assert not report.stats.incomplete


def test_an_interrupted_tree_scan_keeps_what_it_found_and_leaves_no_worker(tmp_path, engine):
    write_tree(tmp_path, count=400)
    parallel_engine = dataclasses.replace(engine, config=dataclasses.replace(engine.config, jobs=2))
    done = [0]

    def progress(files: int, findings: int) -> None:
        done[0] += files
        if done[0] == 100:
            raise KeyboardInterrupt  # Ctrl-C arriving in the parent mid-scan

    report = scan_paths([str(tmp_path)], parallel_engine, lambda total: progress)
    assert report.stats.incomplete and INTERRUPTED in report.errors
    assert report.stats.files == 100 and len(report.findings) >= 99  # (one may be clean.py)
    assert children(os.getpid()) == []
