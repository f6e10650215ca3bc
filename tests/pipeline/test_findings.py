"""scan_chunk's early exit: a chunk without candidates costs nothing more and changes nothing; a
capture's candidates become findings one at a time (memory not twice its findings)."""
from __future__ import annotations

import base64
import json
import tracemalloc
from collections import Counter
from pathlib import Path

from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin, ScanError
from leakscan.pipeline.findings import document_findings, findings_from, scan_chunk
from leakscan.pipeline.tree import scan_paths

from ..conftest import fake_github_token


def _chunk(path: str, text: str) -> Chunk:
    return Chunk(text, Origin(kind="file", path=path))


def test_a_chunk_without_candidates_gives_no_finding_and_no_error(engine: Engine) -> None:
    tally: Counter[str] = Counter()
    findings, errors = scan_chunk(_chunk("plain.py", "def add(a, b):\n    return a + b\n"), engine, tally=tally)
    assert findings == [] and errors == [] and not tally


def test_a_chunk_with_candidates_still_gives_its_finding(engine: Engine) -> None:
    token = fake_github_token(7)
    findings, errors = scan_chunk(_chunk("settings.py", f"TOKEN = '{token}'\n"), engine)
    assert [(f.location.path, f.location.line) for f in findings] == [("settings.py", 1)]
    assert "github" in findings[0].rule_id and token not in findings[0].masked and errors == []


def test_a_value_found_only_once_decoded_is_not_lost_to_the_early_exit(engine: Engine) -> None:
    encoded = base64.b64encode(f"token={fake_github_token(8)}".encode()).decode()
    chunk = _chunk("blob.txt", f"payload: {encoded}\n")
    assert engine.candidates(chunk) == []  # nothing in the plain text: only the decoded value holds it
    findings, _ = scan_chunk(chunk, engine)
    assert [f.location.path for f in findings] == ["blob.txt"] and "github" in findings[0].rule_id
    findings, _ = scan_chunk(chunk, Engine.build(Config(decode=False)))
    assert findings == []


def test_no_candidates_give_no_findings_and_document_errors_are_kept(engine: Engine) -> None:
    assert findings_from([], engine.config, engine) == []
    findings, errors = document_findings([], [ScanError("api.json", "not JSON at line 3")], engine)
    assert findings == [] and [e.message for e in errors] == ["not JSON at line 3"]


# ---- a capture's candidates become findings one at a time (issue 20) ----------------------------

def _compact_har(entries: int, emails: int) -> str:
    """A HAR on one line whose response bodies list sellers, each with an email of their own."""
    def body(page: int) -> str:
        sellers = [{"name": f"Seller {page}-{i}", "email": f"seller{page}x{i}.shop@market{page % 7}mail.com",
                    "note": "ships in two days"} for i in range(emails)]
        return json.dumps({"page": page, "items": sellers}, separators=(",", ":"))

    har = {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [
        {"request": {"method": "GET", "url": f"https://shop.example/api/sellers?page={page}", "headers": []},
         "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}],
                      "content": {"mimeType": "application/json", "text": body(page)}}}
        for page in range(entries)]}}
    return json.dumps(har, separators=(",", ":"))


def _scan_traced(path: Path, engine: Engine) -> tuple[int, int, int]:
    """Email findings, bytes the findings hold once made, and the scan's peak, by tracemalloc (the file
    read before)."""
    chunk = _chunk(str(path), path.read_text(encoding="utf-8"))
    tracemalloc.start()
    try:
        findings, errors = scan_chunk(chunk, engine)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert errors == []
    return sum(f.rule_id == "pii.email" for f in findings), held, peak


def test_a_captures_candidates_and_findings_are_not_all_held_at_once(engine: Engine, tmp_path: Path) -> None:
    """Each candidate becomes its finding and is let go before the next: the scan's peak is the findings
    and what one step needs, not the document's candidates, their findings and masked copies together
    (which made the peak twice the findings and more, so 160,000 emails held over 500 MB)."""
    warm = tmp_path / "warm.har"
    warm.write_text(_compact_har(2, 3), encoding="utf-8")
    _scan_traced(warm, engine)  # modules the scan imports on first use are not the findings' memory
    measured = {}
    for entries in (20, 80):
        path = tmp_path / f"shop-{entries}.har"
        path.write_text(_compact_har(entries, 25), encoding="utf-8")
        measured[entries] = _scan_traced(path, engine)
    (small, small_held, small_peak), (large, large_held, large_peak) = measured[20], measured[80]
    assert (small, large) == (500, 2000)  # every email a finding
    # The overhead beyond the findings held (the masking of printed strings, one step's objects)
    # is a small fraction of them, and stays so at four times the findings (measured: 1.11 and 1.14;
    # 1.24 and 1.34 with a list of spans per value and every known value's forms held by the sanitizer;
    # with all candidates and findings held together, 1.60 and 1.82).
    assert large_peak < 1.3 * large_held
    assert small_peak < 1.3 * small_held
    # What is measured grows with the findings, so the bound is relative (measured: 3.3 times; a fixed
    # ~0.2 MB is not the findings').
    assert large_held > 2.5 * small_held


def test_one_finding_per_span_within_each_value_only(engine: Engine) -> None:
    """Matches compete only within their value (path, commit, pointer): overlapping ones of a kind keep the
    most confident, one name keeps one finding a line, another kind and other values keep their own."""
    from leakscan.model import Adjustment, Candidate
    from leakscan.pipeline.findings import _best_per_span
    from leakscan.scoring import score

    email, cors = engine.by_id["pii.email"], engine.by_id["exposure.cors.permissive"]
    generic = next(r for r in engine.rules if r.is_generic and r.category == "secret")

    def cand(rule, pointer, column, end, line=1, delta=0.0):  # a span on one line, in the value at `pointer`
        origin = Origin("har", "shop.har", pointer=pointer)
        return Candidate(rule, "ann.lee@inbox-mailer.com", origin, line, column, line, end, "",
                         adjustments=(Adjustment("test evidence", delta),) if delta else ())

    candidates = [
        cand(email, "/a", 1, 20),  # kept
        cand(generic, "/a", 5, 12, delta=-0.3),  # overlaps the (more confident) email in its value: dropped
        cand(cors, "/a", 1, 20),  # an exposure states its own fact about the place: kept
        cand(email, "/b", 1, 20),  # the same span in another value: kept
        cand(email, "/a", 30, 40),  # no overlap, but the same name on the same line of the value: dropped
        cand(email, "/a", 30, 40, line=2),  # another line: kept
    ]
    assert score(candidates[1]).confidence < score(candidates[0]).confidence
    kept = _best_per_span([(c, score(c)) for c in candidates])
    assert sorted((c.origin.pointer, c.rule.id, c.line, c.column) for c, _ in kept) == sorted([
        ("/a", email.id, 1, 1), ("/a", cors.id, 1, 1), ("/b", email.id, 1, 1), ("/a", email.id, 2, 30)])


# ---- distinct values on one line (a header, a JSON string) are each reported ---------------------

def test_every_session_cookie_of_one_cookie_header_is_a_finding(tmp_path: Path) -> None:
    """One Cookie header carries several session cookies: each is a credential, and a report that named
    only the first would leave the others out of what a reviewer rotates."""
    from ..analyzers.traffic.har_builder import API, entry, scan_har, session_id

    first, second, third = session_id(), session_id(), session_id()
    cookie = f"theme=dark; sessionid={first}; lang=en; auth_session={second}; connect.sid={third}"
    report = scan_har(tmp_path, [entry("GET", f"{API}/me", headers={"Cookie": cookie})])
    found = [f for f in report.findings if f.rule_id == "capture.cookie.session"]
    assert len(found) == 3 and len({f.location.column for f in found}) == 3
    assert {f.location.line for f in found} == {f.location.line for f in found[:1]}  # one header's line


def test_every_email_of_one_json_lines_string_is_a_finding(tmp_path: Path) -> None:
    record = {"level": "info", "msg": "mail sent",
              "cc": "ana.silva@corp-mail.net, bo.jensen@corp-mail.net, li.wei@corp-mail.net"}
    (tmp_path / "mail.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = scan_paths([str(tmp_path)], Engine.build(Config(jobs=1)))
    emails = [f for f in report.findings if f.rule_id == "pii.email"]
    assert len(emails) == 3 and len({f.location.column for f in emails}) == 3
    assert {f.location.pointer for f in emails} == {"/0/cc"} and all(f.location.line == 1 for f in emails)


def test_two_keys_of_one_provider_on_a_minified_line_are_two_findings(tmp_path: Path) -> None:
    first, second = fake_github_token(21), fake_github_token(22)
    text = f"var c={{a:'{first}',b:'{second}'}};\n"
    (tmp_path / "app.min.js").write_text(text, encoding="utf-8")
    report = scan_paths([str(tmp_path)], Engine.build(Config(jobs=1)))
    columns = sorted(f.location.column for f in report.findings if "github" in f.rule_id)
    assert columns == [text.index(first) + 1, text.index(second) + 1]
