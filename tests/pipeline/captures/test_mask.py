"""`leakscan mask` of a large HAR or JSON-lines file, one entry at a time: the copy of the text masked
whole, character for character, in every style a file is written in, in memory bounded by an entry."""
from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from leakscan.cli import cli
from leakscan.cli.mask import mask_text
from leakscan.engine.context import Engine
from leakscan.masking.rewrite import Plan, Replacement
from leakscan.model import Finding
from leakscan.pipeline import findings
from leakscan.pipeline.captures import mask as masked_copy
from leakscan.pipeline.captures import scan as capture
from leakscan.pipeline.captures.mask import MaskedFile, mask_large_file, rewrite_file
from leakscan.sources import jsonstream

from ...analyzers.traffic.har_builder import API, PAGE, TRACKER, entry, har, page_entry
from ...conftest import fake_github_token

KEY = b"k" * 16
TOKENS = 10


def _entries(count: int) -> list[dict[str, Any]]:
    """A page, its API (emails, a token in a header and in a query, a password posted), a tracker."""
    out = [page_entry()]
    for i in range(count):
        body = {"page": i, "users": [{"email": f"dana.{i}.{j}@corpmail.net", "note": "caf\u00e9 \"x\"\n\u2028"}
                                     for j in range(2)]}
        out.append(entry("GET", f"{API}/users?page={i}&access_token={fake_github_token(i + 50)}", body=body,
                         headers={"Authorization": f"Bearer {fake_github_token(i + 1)}"}))
    out.append(entry("POST", f"{TRACKER}/collect", post={"password": "Tr0ub4dor&3x!", "ok": "1"}, body={"ok": 1}))
    return out


def _har_text(count: int, style: str, layout: str) -> str:
    """A HAR in one of the ways files are written: indented by 2 or 4, one line compact, one line with
    spaces; its entries list first, last or between the log's other members, or empty."""
    document = har(_entries(count) if layout != "empty" else [])
    log = document["log"]
    entries = log.pop("entries")
    comment = f"owner {fake_github_token(99)}"  # a secret outside the entries: the frame is masked too
    if layout == "entries-first":
        document["log"] = {"entries": entries, **log, "comment": comment}
    elif layout == "entries-between":
        document["log"] = {**log, "entries": entries, "pages": log.get("pages", []), "comment": comment}
        document = {"note": comment, **document, "_exported": "2026-11-01"}
    else:
        document["log"] = {**log, "comment": comment, "entries": entries}
    indent = {"indent-2": 2, "indent-4": 4}.get(style)
    separators = (",", ":") if style == "compact" else None
    return json.dumps(document, indent=indent, separators=separators, ensure_ascii=style != "unicode")


def _jsonl_text(count: int, newline: str) -> str:
    lines = []
    for i in range(count):
        lines.append(json.dumps({"n": i, "user": f"lee.{i}@corpmail.net", "token": fake_github_token(i + 7)}))
        if i % 3 == 1:  # (the first record is followed by a record: a log, as the scanner recognises one)
            lines.append("")
        if i % 5 == 2:
            lines.append(f"plain text line with {fake_github_token(i + 300)} in it")
    return newline.join(lines)


def _both(path: Path, engine: Engine, tmp_path: Path, mode: str = "mask") -> tuple[str, MaskedFile, str]:
    text = path.read_bytes().decode("utf-8")
    whole = mask_text(text, path.name, engine, mode, KEY)
    folder = tmp_path / f"work-{path.name}-{mode}"
    folder.mkdir()
    large = mask_large_file(str(path), path.name, engine, str(folder), mode, KEY, stream_from=0)
    assert large is not None
    assert large.plan.by_category == whole.plan.by_category and large.plan.places == whole.plan.places
    assert large.found == len(whole.findings) and large.kind == whole.kind
    assert [f.fingerprint for f in large.remaining] == [f.fingerprint for f in whole.remaining]
    return whole.text, large, Path(large.copy).read_bytes().decode("utf-8")


@pytest.mark.parametrize("layout", ["entries-last", "entries-first", "entries-between", "empty"])
@pytest.mark.parametrize("style", ["indent-2", "indent-4", "compact", "spaced", "unicode"])
def test_a_har_copy_is_the_copy_of_the_text_masked_whole(tmp_path: Path, engine: Engine, style: str,
                                                         layout: str) -> None:
    path = tmp_path / "session.har"
    text = _har_text(4, style, layout)
    path.write_text(text + ("\n" if style != "compact" else ""), encoding="utf-8", newline="")
    whole, large, copy = _both(path, engine, tmp_path)
    assert copy == whole
    assert fake_github_token(99) in text and fake_github_token(99) not in copy  # the frame's comment
    if layout != "empty":
        assert fake_github_token(1) in text and fake_github_token(1) not in copy
        assert "dana.0.0@corpmail.net" not in copy and "Tr0ub4dor&3x!" not in copy
        assert large.plan.by_category.get("pii", 0) >= 8
    assert json.loads(copy)["log"].keys() == json.loads(text)["log"].keys()


@pytest.mark.parametrize("mode", ["mask", "redact", "hash"])
def test_every_mode_writes_the_same_copy(tmp_path: Path, engine: Engine, mode: str) -> None:
    path = tmp_path / "session.har"
    path.write_text(_har_text(6, "indent-2", "entries-between"), encoding="utf-8")
    whole, large, copy = _both(path, engine, tmp_path, mode)
    assert copy == whole and not large.remaining


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("ending", ["", "\n", "\n\n"])
def test_a_json_lines_copy_is_the_copy_of_the_text_masked_whole(tmp_path: Path, engine: Engine, newline: str,
                                                                ending: str) -> None:
    path = tmp_path / "app.jsonl"
    path.write_text(_jsonl_text(12, newline) + ending, encoding="utf-8", newline="")
    whole, large, copy = _both(path, engine, tmp_path)
    assert copy == whole
    assert large.kind == "jsonl" and fake_github_token(7) not in copy and fake_github_token(300) not in copy


def test_what_the_copy_still_shows_is_masked_in_a_further_pass(tmp_path: Path, engine: Engine,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan of the copy finds a token the first plan left out: a second pass rewrites the copy."""
    path = tmp_path / "session.har"
    path.write_text(_har_text(3, "indent-2", "entries-last"), encoding="utf-8")
    forgotten = fake_github_token(1)

    class Forgetful(masked_copy._Shown):  # the first plan misses one token
        def __iter__(self) -> Iterator[Finding]:
            return (f for f in super().__iter__() if f.secret != forgotten)

    monkeypatch.setattr(masked_copy, "_Shown", Forgetful)
    whole, large, copy = _both(path, engine, tmp_path)
    assert copy == whole and forgotten not in copy and not large.remaining
    assert sorted(p.name for p in Path(large.copy).parent.iterdir()) == ["copy-2"]  # the first copy let go


def test_small_or_other_files_are_left_to_be_masked_whole(tmp_path: Path, engine: Engine) -> None:
    small = tmp_path / "small.har"
    small.write_text(_har_text(2, "compact", "entries-last"), encoding="utf-8")
    assert mask_large_file(str(small), small.name, engine, str(tmp_path), "mask", KEY) is None  # under STREAM_FROM
    dump = tmp_path / "api.http"
    dump.write_text(f"GET /v1 HTTP/1.1\nAuthorization: Bearer {fake_github_token(3)}\n\n", encoding="utf-8")
    assert mask_large_file(str(dump), dump.name, engine, str(tmp_path), "mask", KEY, stream_from=0) is None
    cut = tmp_path / "cut.har"  # not a complete HAR: the whole-text mask salvages its entries
    cut.write_text(_har_text(3, "compact", "entries-last")[:-300], encoding="utf-8")
    assert mask_large_file(str(cut), cut.name, engine, str(tmp_path), "mask", KEY, stream_from=0) is None


def test_a_plan_that_replaces_the_frame_is_not_streamed(tmp_path: Path) -> None:
    source = tmp_path / "s.har"
    source.write_text(json.dumps({"log": {"version": "1.2", "entries": [{"a": "b"}]}}), encoding="utf-8")
    plan = Plan(at_pointer={"/log/entries": [Replacement("x" * 8, "[REDACTED]", "secret")]})
    with pytest.raises(ValueError, match="frame"):
        rewrite_file(str(source), str(tmp_path / "copy.har"), plan, "har")
    assert not (tmp_path / "copy.har.entries").exists()  # the spool goes whatever happens
    rewrite_file(str(source), str(tmp_path / "copy.har"), Plan(), "har")
    assert (tmp_path / "copy.har").read_text(encoding="utf-8") == source.read_text(encoding="utf-8")


def _quiet_log(records: int) -> str:
    """Records of 2 KB, a token in each of the first TOKENS (the plan, which is held, stays one size)."""
    return "".join(json.dumps({"n": i, "auth": f"Bearer {fake_github_token(i + 1)}" if i < TOKENS else "-",
                               "message": "the quick brown fox jumps over the lazy dog " * 45}) + "\n"
                   for i in range(records))


def _quiet_har(entries: int) -> str:
    """Entries of 20 KB of text, a token in the first TOKENS requests."""
    body = "the quick brown fox jumps over the lazy dog " * 450
    return json.dumps(har([entry("GET", f"{PAGE}/p/{i}", mime="text/plain", body=body,
                                 headers={"Authorization": f"Bearer {fake_github_token(i + 1)}"} if i < TOKENS else {},
                                 response_headers={"Cache-Control": "no-store"}) for i in range(entries)]),
                      separators=(",", ":"))


@pytest.mark.parametrize("suffix", [".har", ".jsonl"])
def test_the_rewrite_holds_an_entry_not_the_file(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                 suffix: str) -> None:
    """Four times the entries, not four times the memory. Masked whole, the text, its tree and the copy
    were nine times the file; the rewrite holds the plan (one size here), the reader's window and an
    entry (blocks of 16 KiB
    instead of 1 MiB, so that files of a megabyte or two are many windows long). The scans are
    pipeline/captures/scan.py's, whose memory tests/pipeline/captures/test_scan.py bounds."""
    monkeypatch.setattr(jsonstream, "BLOCK", 1 << 14)
    peaks = {}
    for entries in (2, 20, 80):  # the first warms the imports up
        path = tmp_path / f"quiet-{entries}{suffix}"
        path.write_text(_quiet_har(entries) if suffix == ".har" else _quiet_log(entries * 10), encoding="utf-8")
        folder = tmp_path / f"work-{entries}"
        folder.mkdir()
        large = mask_large_file(str(path), path.name, engine, str(folder), "mask", KEY, stream_from=0)
        assert large is not None and large.found == min(entries * (1 if suffix == ".har" else 10), TOKENS)
        tracemalloc.start()
        try:
            rewrite_file(str(path), str(folder / "again"), large.plan, large.kind)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert (folder / "again").read_bytes() == Path(large.copy).read_bytes()
        peaks[entries] = (path.stat().st_size, peak)
    (small_size, small_peak), (large_size, large_peak) = peaks[20], peaks[80]
    assert large_size > 3.9 * small_size
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
    assert large_peak < 0.5 * large_size, (large_peak, large_size)


def test_the_text_is_never_scanned_whole(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both scans (the file's and the copy's) read the file block by block."""
    path = tmp_path / "session.har"
    path.write_text(_har_text(3, "compact", "entries-last"), encoding="utf-8")

    def whole(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("scanned whole")

    monkeypatch.setattr(findings, "scan_chunk", whole)
    large = mask_large_file(str(path), path.name, engine, str(tmp_path), "mask", KEY, stream_from=0)
    assert large is not None and large.found >= 6 and not large.remaining


def test_the_command_streams_a_large_file_and_writes_the_same_copy(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "session.har"
    path.write_text(_har_text(5, "indent-2", "entries-between"), encoding="utf-8")
    streamed: list[MaskedFile | None] = []
    original = masked_copy.mask_large_file

    def spy(*args: Any, **kwargs: Any) -> MaskedFile | None:
        streamed.append(original(*args, **kwargs))
        return streamed[-1]

    runner = CliRunner()
    whole = runner.invoke(cli, ["mask", str(path), "-o", str(tmp_path / "whole.har")])
    monkeypatch.setattr(capture, "STREAM_FROM", 0)
    monkeypatch.setattr("leakscan.cli.mask.mask_large_file", spy)
    large = runner.invoke(cli, ["mask", str(path), "-o", str(tmp_path / "large.har")])
    assert whole.exit_code == large.exit_code == 0, (whole.output, large.output)
    assert streamed and streamed[0] is not None
    assert (tmp_path / "large.har").read_bytes() == (tmp_path / "whole.har").read_bytes()
    assert whole.stderr == large.stderr.replace("large.har", "whole.har")  # the same summary
    assert not Path(streamed[0].copy).exists()  # the private copy goes with its folder
    stdout = runner.invoke(cli, ["mask", str(path)])
    assert stdout.exit_code == 0 and stdout.stdout == (tmp_path / "whole.har").read_text(encoding="utf-8")


@pytest.mark.parametrize("streamed", [False, True])
def test_a_capture_nested_too_deep_to_rewrite_is_masked_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 streamed: bool) -> None:
    """An entry nested 900 deep parses (the scan reads it) but is deeper than the rewriter can follow:
    the copy is rewritten as text, with a warning, instead of an internal error."""
    document = json.loads(_har_text(3, "compact", "entries-last"))
    document["log"]["entries"][1]["request"]["cookies"] = json.loads("[" * 900 + "]" * 900)
    path = tmp_path / "deep.har"
    path.write_text(json.dumps(document), encoding="utf-8")
    if streamed:
        monkeypatch.setattr(capture, "STREAM_FROM", 0)
    out = tmp_path / "deep.safe.har"
    result = CliRunner().invoke(cli, ["mask", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "nested too deep to rewrite by its structure" in result.stderr and "(text)" in result.stderr
    copy = out.read_text(encoding="utf-8")
    cookies = document["log"]["entries"][1]["request"]["cookies"]
    assert json.loads(copy)["log"]["entries"][1]["request"]["cookies"] == cookies
    assert fake_github_token(1) not in copy and "dana.0.0@corpmail.net" not in copy
