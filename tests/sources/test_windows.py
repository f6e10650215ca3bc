"""Huge files named on the command line: overlapping windows, bounded memory (issue 19.9)."""
from __future__ import annotations

from leakscan.pipeline.tree import scan_large_file
from leakscan.sources.files import FileRef, Window, iter_windows

from ..conftest import fake_github_token

WINDOW = 1 << 20
OVERLAP = 64 * 1024


def _windowed(path, engine) -> list[tuple[int, int, str]]:
    result = scan_large_file(FileRef(str(path), path.name, explicit=True), engine, WINDOW, OVERLAP)
    assert result.errors == () and result.scanned and result.bytes == path.stat().st_size
    return sorted((f.location.line, f.location.column, f.secret_hash) for f in result.findings)


def _boundaries(path) -> list[tuple[int, int]]:
    windows = list(iter_windows(FileRef(str(path), path.name, explicit=True), WINDOW, OVERLAP))
    assert all(isinstance(w, Window) and len(w.chunk.text) <= WINDOW for w in windows)  # memory stays bounded
    return [w.next_start for w in windows if w.next_start]


def test_windows_find_each_secret_once_with_true_lines(tmp_path, engine):
    """~24 MB of lines, a token every ~41 KB: tokens fall before each window start and in
    every overlap two windows share; each is reported once, on its true line and column."""
    filler = "log line with nothing secret in it at all, just words and numbers 0123456789\n"
    parts, planted, line = [], [], 1
    for block in range(600):
        count = block % 7 + 520
        parts.append(filler * count)
        line += count
        token = fake_github_token(block)
        parts.append(f"  GITHUB_TOKEN={token}  # block {block}\n")
        planted.append((line, len("  GITHUB_TOKEN=") + 1, token))
        line += 1
    path = tmp_path / "huge.log"
    path.write_text("".join(parts))
    assert path.stat().st_size > 20 * WINDOW

    result = scan_large_file(FileRef(str(path), path.name, explicit=True), engine, WINDOW, OVERLAP)
    assert result.errors == () and result.bytes == path.stat().st_size
    found = sorted((f.location.line, f.location.column, f.secret) for f in result.findings)
    assert found == planted  # none lost, none doubled, lines and columns right
    lines = [line for line, _, _ in planted]
    starts = [line for line, _ in _boundaries(path)]
    assert len(starts) > 20
    overlap_lines = OVERLAP // len(filler)
    for start in starts:  # a secret just before this window start, and one in the shared overlap
        assert any(0 < start - line <= overlap_lines for line in lines)
        assert any(0 <= line - start < overlap_lines for line in lines)


def test_a_line_longer_than_a_window_is_cut_and_columns_carry_over(tmp_path, engine):
    """Hard cuts (no newline near): window k starts at k * (WINDOW - OVERLAP) and ends
    WINDOW later; tokens straddle starts and ends of windows and sit in overlaps."""
    prefix = b"first\n"
    step = WINDOW - OVERLAP
    file_offsets = [step - 20, step + 1000, WINDOW - 30, 2 * step - 10, step + WINDOW - 25]
    line = bytearray(b"." * (4 * WINDOW))
    # One kind of token each: one rule's findings on one line are reported once (pipeline).
    for seed, (at, kind) in enumerate(zip(file_offsets, ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), strict=False)):
        token = f" token={fake_github_token(seed, kind)} ".encode()
        line[at - len(prefix):at - len(prefix) + len(token)] = token
    path = tmp_path / "one-line.txt"
    path.write_bytes(prefix + bytes(line) + b"\nlast\n")
    assert [start for start in _boundaries(path)][:2] == [(2, step - len(prefix) + 1), (2, 2 * step - len(prefix) + 1)]
    windowed = _windowed(path, engine)
    expected = sorted((2, at - len(prefix) + len(" token=") + 1) for at in file_offsets)
    assert [(line_no, column) for line_no, column, _ in windowed] == expected


def test_binary_huge_file_is_skipped(tmp_path, engine):
    path = tmp_path / "dump.raw"
    path.write_bytes(bytes(range(256)) * 8192)
    result = scan_large_file(FileRef(str(path), path.name, explicit=True), engine, WINDOW, OVERLAP)
    assert result.skipped == "binary" and not result.scanned


def test_named_file_over_the_whole_file_limit_goes_through_windows(tmp_path, engine, monkeypatch):
    from leakscan.pipeline import tree as pipeline

    token = fake_github_token(9)
    path = tmp_path / "capture.har"
    path.write_text('{"log": {"entries": [{"request": {"url": "https://x.test/?a=1", "headers": '
                    f'[{{"name": "X-Token", "value": "{token}"}}]}}}}]}}}}\n')
    monkeypatch.setattr(pipeline, "WHOLE_FILE_LIMIT", 100)
    report = pipeline.scan_paths([str(path)], engine)
    assert [f.secret for f in report.findings if f.rule_id.startswith("github")] == [token]
    assert [e.message for e in report.errors] == [
        "over 100 bytes: scanned as plain text in windows, not parsed as har"]


def test_named_capture_over_the_whole_file_limit_is_read_as_a_capture(tmp_path, monkeypatch):
    """A HAR the capture reader streams is read as a HAR whatever its size (its memory does not grow
    with it): windows of plain text are for what it declines."""
    from leakscan.config import Config
    from leakscan.engine.context import Engine
    from leakscan.pipeline import tree as pipeline
    from leakscan.pipeline.captures import scan as capture

    token = fake_github_token(9)
    path = tmp_path / "capture.har"
    path.write_text('{"log": {"entries": [{"request": {"url": "https://x.test/?a=1", "headers": '
                    f'[{{"name": "X-Token", "value": "{token}"}}]}}}}]}}}}\n')
    monkeypatch.setattr(pipeline, "WHOLE_FILE_LIMIT", 100)
    monkeypatch.setattr(capture, "STREAM_FROM", 0)
    engine = Engine.build(Config(jobs=1, scan_rule_packs=True))  # (a file this small could be a rule pack)
    report = pipeline.scan_paths([str(path)], engine)
    found = [f for f in report.findings if f.rule_id.startswith("github")]
    assert [f.secret for f in found] == [token]
    assert found[0].location.pointer == "/log/entries/0/request/headers/0/value"
    assert list(report.errors) == []
