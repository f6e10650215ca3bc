"""A large HAR or JSON-lines log scanned from its file block by block gives the findings of its text read
whole, and its memory does not grow with the file."""
from __future__ import annotations

import itertools
import json
import tracemalloc
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Finding, Origin, ScanError
from leakscan.pipeline import findings as findings_module
from leakscan.pipeline.captures.scan import scan_capture_file
from leakscan.pipeline.findings import scan_chunk, sort_findings
from leakscan.sources import jsonstream
from leakscan.sources.files import FileRef
from leakscan.store.records import FindingSpill

from ...analyzers.traffic.har_builder import API, PAGE, SID, TRACKER, entry, har, page_entry
from ...conftest import fake_github_token


@pytest.fixture(scope="module")
def any_size_engine() -> Engine:
    """Rule packs scanned too: a small capture is not left to be read whole only because a rule pack
    could be that small (the size check is the rule-pack scanner's own)."""
    return Engine.build(Config(jobs=1, scan_rule_packs=True))


def _entries(count: int) -> list[dict[str, Any]]:
    """A page, its API (emails, a token, session cookies without flags, CORS), a tracker sent the token."""
    out = [page_entry()]
    for i in range(count):
        body = {"page": i, "users": [{"email": f"dana.{i}.{j}@corpmail.net", "note": "caf\u00e9 \"x\"\n"}
                                     for j in range(3)]}
        out.append(entry("GET", f"{API}/users?page={i}", body=body,
                         headers={"Authorization": f"Bearer {fake_github_token(i + 1)}"},
                         response_headers={"Set-Cookie": f"sessionid={SID}{i}; Path=/",
                                           "Access-Control-Allow-Origin": "*",
                                           "Access-Control-Allow-Credentials": "true"}))
    out.append(entry("POST", f"{TRACKER}/collect", post={"token": fake_github_token(1)}, body={"ok": 1}))
    return out


def _har_text(count: int, indent: int | None = None, **log: Any) -> str:
    document = har(_entries(count))
    document["log"].update(log)
    return json.dumps(document, indent=indent, separators=None if indent else (",", ":"))


def _whole(path: Path, engine: Engine) -> tuple[list[Finding], list[ScanError]]:
    text = path.read_bytes().decode("utf-8")
    return scan_chunk(Chunk(text, Origin(kind="file", path=path.name, fs_path=str(path))), engine)


def _streamed(path: Path, engine: Engine, **kw: Any) -> tuple[list[Finding], list[ScanError]] | None:
    tally: Counter[str] = Counter()
    found = scan_capture_file(FileRef(str(path), path.name, explicit=True), engine, tally, min_size=0, **kw)
    return None if found is None else (found[0], found[1])


@pytest.mark.parametrize("name", ["compact.har", "log.jsonl"])
def test_findings_spilled_as_made_are_those_held(tmp_path: Path, any_size_engine: Engine, name: str) -> None:
    """At a spill of 3 findings a run, the findings (every field), their order and the suppressions
    counted are those of the scan that holds them; a scan that fails leaves no file behind."""
    path = tmp_path / name
    path.write_text(dict(_READ)[name], encoding="utf-8")
    ref = FileRef(str(path), path.name, explicit=True)
    held_tally: Counter[str] = Counter()
    spilled_tally: Counter[str] = Counter()
    held = scan_capture_file(ref, any_size_engine, held_tally, min_size=0)
    spilled = scan_capture_file(ref, any_size_engine, spilled_tally, min_size=0, spill_from=3)
    assert held is not None and spilled is not None
    assert isinstance(spilled[0], FindingSpill) and len(held[0]) > 10
    assert list(spilled[0]) == sort_findings(held[0]) and spilled[1:] == held[1:] and spilled_tally == held_tally
    assert [f.fingerprint for f in spilled[0]] == [f.fingerprint for f in sort_findings(held[0])]
    assert [(f.secret, f.raw_pointer, f.raw_also_at) for f in spilled[0]] == [
        (f.secret, f.raw_pointer, f.raw_also_at) for f in sort_findings(held[0])]
    spilled[0].close()


def test_a_spilled_scan_that_fails_reports_nothing_and_removes_its_file(
        tmp_path: Path, any_size_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "compact.har"
    path.write_text(dict(_READ)["compact.har"], encoding="utf-8")
    spills = tmp_path / "spills"
    spills.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spills))
    made = findings_module._findings_of

    def failing(*args: Any) -> Any:
        yield from itertools.islice(made(*args), 5)
        raise RuntimeError("disk gone")

    monkeypatch.setattr(findings_module, "_findings_of", failing)
    monkeypatch.setattr(findings_module, "BASELINE_BATCH", 2)
    found = scan_capture_file(FileRef(str(path), path.name, explicit=True), any_size_engine, min_size=0,
                              spill_from=1)
    assert found is not None and found[0] == [] and "disk gone" in found[1][0].message
    assert not list(spills.iterdir())


def _log_text(count: int, newline: str = "\n") -> str:
    """A JSON-lines log: requests with a user's email and a token, a blank line, a line that is not JSON,
    an integer past Python's digit limit (an error entry), escapes across the line."""
    lines = [json.dumps({"ts": i, "method": "POST", "path": f"/v1/users/{i}", "note": "caf\u00e9 \"x\"",
                         "user": {"email": f"dana.{i}@corpmail.net"}, "auth": f"token {fake_github_token(i + 3)}"})
             for i in range(count)]
    lines[3:3] = ["", "not json at all, password=" + "Xk82Jq9ZpLmw3v", '{"n": ' + "7" * 5000 + "}"]
    return newline.join(lines) + newline


_TAIL = {"comment": f"exported with token {fake_github_token(77)}"}


_READ = [
    ("compact.har", _har_text(6)),
    ("indented.har", _har_text(6, indent=2)),
    ("crlf.har", _har_text(6, indent=2).replace("\n", "\r\n")),
    # Members after the entries list: their positions are past the stretch the scan reads apart.
    ("after.har", _har_text(6, indent=1, **_TAIL)),
    ("after-compact.har", _har_text(6, **_TAIL)),
    ("empty.har", json.dumps({"log": {"version": "1.2", "entries": [], **_TAIL}}, indent=2)),
    ("odd-entries.har", json.dumps({"log": {"entries": [None, "x", 3, *_entries(1)], **_TAIL}})),
    ("log.jsonl", _log_text(30)),
    ("crlf.jsonl", _log_text(30, "\r\n")),
]
_RULES = {"empty.har": {"github.pat.classic"}, "odd-entries.har": {"pii.email", "github.pat.classic"},
          "log.jsonl": {"pii.email", "github.pat.classic"}, "crlf.jsonl": {"pii.email", "github.pat.classic"}}


@pytest.mark.parametrize("block", [97, 4096, None])
@pytest.mark.parametrize("name, text", _READ, ids=[name for name, _ in _READ])
def test_a_capture_read_block_by_block_has_the_findings_of_its_text_read_whole(
        tmp_path: Path, any_size_engine: Engine, name: str, text: str, block: int | None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks that cut entries, strings, escapes, CRLF pairs and the entries list's ends anywhere."""
    if block:
        monkeypatch.setattr(jsonstream, "BLOCK", block)
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    whole = _whole(path, any_size_engine)
    streamed = _streamed(path, any_size_engine)
    assert streamed is not None
    assert streamed == whole  # every field: rule, confidence, reasons, line, column, pointer, masked, fingerprint
    assert _RULES.get(name, {"pii.email", "exposure.cookie.session-flags"}) <= {f.rule_id for f in whole[0]}
    assert bool(whole[1]) == name.endswith(".jsonl")  # the long integer's line said
    if name.startswith("after"):  # a finding past the entries list, at its place in the file
        tail = [f for f in whole[0] if f.location.pointer == "/log/comment"]
        assert [f.location.line for f in tail] == [text[:text.index('"comment"')].count("\n") + 1]


_DECLINED = [
    ("spec.har", _har_text(2).replace('"version":"1.2"', '"version":"1.2","_openapi":{"paths":{}}')),
    ("cut.har", _har_text(4)[:-300]),
    ("two-logs.har", '{"log":' + _har_text(1)[len('{"log":'):-1] + ',"log":{"entries":[]}}'),
    ("bom.har", "\ufeff" + _har_text(2)),
    ("openapi-word.har", _har_text(2).replace("dana.0.0", "openapi.0.0")),
    ("not-a-har.json", json.dumps({"users": [{"email": "dana.whitfield@corpmail.net"}] * 50})),
]


@pytest.mark.parametrize("block", [7, None])
@pytest.mark.parametrize("name, text", _DECLINED, ids=[name for name, _ in _DECLINED])
def test_what_needs_the_whole_text_is_left_to_the_scan_that_reads_it(
        tmp_path: Path, any_size_engine: Engine, name: str, text: str, block: int | None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if block:  # a word looked for across blocks
        monkeypatch.setattr(jsonstream, "BLOCK", block)
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    assert _streamed(path, any_size_engine) is None


def test_small_files_rule_packs_and_spec_comparisons_are_read_whole(tmp_path: Path, engine: Engine,
                                                                     any_size_engine: Engine) -> None:
    path = tmp_path / "capture.har"
    path.write_text(_har_text(2), encoding="utf-8")
    ref = FileRef(str(path), path.name, explicit=True)
    assert scan_capture_file(ref, any_size_engine) is None  # under STREAM_FROM bytes
    assert scan_capture_file(ref, engine, min_size=0) is None  # a text rule_files could call a rule pack
    spec = Engine.build(replace(any_size_engine.config, capture_spec=str(tmp_path / "api.yaml")))
    assert scan_capture_file(ref, spec, min_size=0) is None
    assert scan_capture_file(ref, any_size_engine, min_size=0) is not None
    latin = tmp_path / "latin-1.har"  # read_file decodes it as cp1252: not the text a UTF-8 read gives
    text = _har_text(2).replace('"version":"1.2"', '"version":"1.2","comment":"caf\u00e9"')
    latin.write_bytes(text.encode("latin-1"))
    assert b"caf\xe9" in latin.read_bytes()
    assert scan_capture_file(FileRef(str(latin), latin.name, explicit=True), any_size_engine, min_size=0) is None


def _quiet_har(entries: int) -> str:
    """Entries of 20 KB of text with nothing to report: what the scan holds is what it reads."""
    body = "the quick brown fox jumps over the lazy dog " * 450
    return json.dumps(har([entry("GET", f"{PAGE}/p/{i}", mime="text/plain", body=body,
                                 response_headers={"Cache-Control": "no-store"}) for i in range(entries)]),
                      separators=(",", ":"))


def _quiet_log(records: int) -> str:
    """Records of 2 KB (the scanner places them RECORDS_PER_BATCH at a time: that batch is its bound)."""
    return "".join(json.dumps({"n": i, "message": "the quick brown fox jumps over the lazy dog " * 45}) + "\n"
                   for i in range(records))


def _peak(path: Path, engine: Engine) -> int:
    tracemalloc.start()
    try:
        found = _streamed(path, engine)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found is not None
    return peak


@pytest.mark.parametrize("suffix, counts", [(".har", (2, 100, 400)), (".jsonl", (2, 2000, 8000))])
def test_memory_is_bounded_by_an_entry_not_by_the_file(tmp_path: Path, any_size_engine: Engine, suffix: str,
                                                       counts: tuple[int, int, int]) -> None:
    """Four times the entries, not four times the memory: the text is read a block at a time and each
    entry let go once scanned (read whole, the peak was over the file's size and grew with it)."""
    sizes = {}
    for entries in counts:
        path = tmp_path / f"quiet-{entries}{suffix}"
        path.write_text(_quiet_har(entries) if suffix == ".har" else _quiet_log(entries), encoding="utf-8")
        sizes[entries] = (path.stat().st_size, _peak(path, any_size_engine))  # the first warms the imports up
    (small_size, small_peak), (large_size, large_peak) = sizes[counts[1]], sizes[counts[2]]
    assert large_size > 3.9 * small_size
    assert large_peak < 1.5 * small_peak
    assert large_peak < 0.75 * large_size  # read whole, the text alone is the size of the file
