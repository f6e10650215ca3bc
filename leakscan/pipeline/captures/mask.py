"""`leakscan mask` of a large HAR or JSON-lines file, read and written one entry (or line) at a time.

Masking a text whole holds the text, its parsed tree and the rewritten copy:
a 120 MB HAR took 1.06 GB. Here the file is scanned as pipeline/captures/scan.py
scans a large capture (block by block, its findings spilled to a private file
past a threshold), the plan is made from the findings as they are read back,
and the copy is written entry by entry (line by line) into a private folder;
that copy is scanned the same way, and a further pass (values the copy still
shows in a form the plan did not know) rewrites it into another. What is held
at once is the plan (one replacement a value and its places) and one entry.

The copy is the one the whole-text rewrite writes, character for character:
the entries are dumped in the style read from the file's start, and the frame
around them (the root, `log` and its other members) is dumped in that style
with two marks in place of the entries, which says exactly what goes before,
between and after them. Where that cannot be so (a plan that replaces the
frame itself, a file the streamed reader declines), nothing is streamed and
the caller masks the text whole.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TextIO

from leakscan.engine.context import Engine
from leakscan.masking.rewrite import (
    BELOW_THRESHOLD_FLOOR,
    STYLE_HEAD,
    JsonRewriter,
    JsonStyle,
    Plan,
    merge,
    plan_for,
    rewrite_json_line,
    secret_named_below,
)
from leakscan.model import Finding, ScanError
from leakscan.pipeline.captures.scan import file_scanner, scan_capture_file
from leakscan.sources.files import FileRef
from leakscan.sources.jsonstream import Member, TextReader, file_blocks, har_members, text_lines
from leakscan.store.records import SPILL_FROM

MAX_PASSES = 3  # a value the copy still shows in a form the first pass did not know gets another pass
STREAMED = ("har", "jsonl")  # the scanners whose files are rewritten one member at a time
# Pointers whose replacement would replace the frame around the entries, which is never held whole.
FRAME = frozenset({"", "/log", "/log/entries"})
ENTRY_DEPTH = 3  # root, log, entries: an entry is written at this depth of indentation


@dataclass(frozen=True)
class MaskedFile:
    copy: str  # the masked copy's path, in the caller's folder
    plan: Plan
    found: int  # findings at or above the threshold in the original
    errors: tuple[ScanError, ...]
    remaining: tuple[Finding, ...]  # what a scan of the copy still reports
    kind: str


def names_a_problem(finding: Finding, engine: Engine) -> bool:
    """A finding shown as it is (mask style plain: an undocumented endpoint, a cookie without its flags)
    names a problem of the traffic, not a value written in it: a copy has nothing of theirs to mask."""
    rule = engine.by_id.get(finding.rule_id)
    return finding.category == "exposure" and rule is not None and rule.mask.style == "plain"


def mask_large_file(path: str, display: str, engine: Engine, folder: str, mode: str, key: bytes,
                    stream_from: int | None = None) -> MaskedFile | None:
    """The masked copy of a HAR or JSON-lines file of `stream_from` bytes or more (scan.py's
    STREAM_FROM by default, and no upper limit), written into `folder`; None where the file is to be masked
    whole (smaller, not plain UTF-8, another kind, or declined)."""
    ref = FileRef(path=path, display=display, explicit=True)
    scanner = file_scanner(ref)
    if scanner is None or scanner.name not in STREAMED:
        return None
    # A copy masks whatever a scan of the text finds: no file is left out as a rule pack could be.
    engine = replace(engine, config=replace(engine.config, scan_rule_packs=True))
    threshold = engine.config.min_confidence
    low = replace(engine, config=replace(engine.config, min_confidence=min(threshold, BELOW_THRESHOLD_FLOOR)))
    scanned = scan_capture_file(ref, low, min_size=stream_from, spill_from=SPILL_FROM)
    if scanned is None:
        return None
    everything, errors, _ = scanned
    copy = os.path.join(folder, "copy-1")
    try:
        shown = _Shown(everything, engine, threshold)
        plan = plan_for(shown, mode, key)
        rewrite_file(path, copy, plan, scanner.name)
    except (ValueError, RecursionError):  # (nested too deep for the rewriter: the caller masks it whole, as text)
        return None
    finally:
        _close(everything)
    remaining = _rescan(copy, display, engine)
    for n in range(2, MAX_PASSES + 1):
        if not remaining:
            break
        more = plan_for(remaining, mode, key)
        again = os.path.join(folder, f"copy-{n}")
        rewrite_file(copy, again, more, scanner.name)  # the copy is this module's own JSON: it streams
        merge(plan, more)
        os.unlink(copy)
        copy = again
        remaining = _rescan(copy, display, engine)
    return MaskedFile(copy, plan, shown.count, tuple(errors), remaining, scanner.name)


class _Shown:
    """The findings a copy masks (none that only names a problem), read from the spill in one pass:
    those at or above the threshold as they come, then the secrets below it that their key names."""

    def __init__(self, findings: Iterable[Finding], engine: Engine, threshold: float) -> None:
        self.findings, self.engine, self.threshold = findings, engine, threshold
        self.count = 0

    def __iter__(self) -> Iterator[Finding]:
        below = []
        for finding in self.findings:
            if names_a_problem(finding, self.engine):
                continue
            if finding.confidence >= self.threshold:
                self.count += 1
                yield finding
            elif finding.category in ("secret", "url-token"):  # (all secret_named_below can keep)
                below.append(finding)
        yield from secret_named_below(below, self.threshold)


def _rescan(copy: str, display: str, engine: Engine) -> tuple[Finding, ...]:
    scanned = scan_capture_file(FileRef(path=copy, display=display, explicit=True), engine, min_size=0,
                                spill_from=SPILL_FROM)
    if scanned is None:
        raise ValueError("the masked copy could not be read back")  # this module's own JSON always can
    findings = scanned[0]
    try:
        return tuple(f for f in findings if not names_a_problem(f, engine))
    finally:
        _close(findings)


def _close(findings: object) -> None:
    close = getattr(findings, "close", None)
    if close is not None:
        close()


def rewrite_file(source: str, target: str, plan: Plan, kind: str) -> None:
    """Write TARGET: SOURCE (a HAR, or JSON lines) with the plan applied, as the whole-text rewrite
    writes it. Raises ValueError where that cannot be done one member at a time."""
    with open(target, "w", encoding="utf-8", newline="") as out:
        if kind == "har":
            _rewrite_har(source, out, target + ".entries", plan)
        else:
            _rewrite_lines(source, out, plan)
        if _ends_with_newline(source):
            out.write("\n")


def _rewrite_lines(source: str, out: TextIO, plan: Plan) -> None:
    rewriter = JsonRewriter(plan)
    for member in text_lines(TextReader(file_blocks(source))):
        if member.index:
            out.write("\n")
        out.write(rewrite_json_line(member.text, member.index, rewriter))


def _rewrite_har(source: str, out: TextIO, spool_path: str, plan: Plan) -> None:
    """The entries are written to a spool as they are read (the frame is known only at the end), then
    the frame with the spool in its place."""
    if FRAME & plan.at_pointer.keys():
        raise ValueError("the plan replaces the frame around the entries")
    with open(source, encoding="utf-8", newline="") as handle:
        style = JsonStyle.of(handle.read(STYLE_HEAD))
    inset = "\n" + " " * (style.indent * ENTRY_DEPTH)
    between = "," + (inset if style.indent else "" if style.compact else " ")
    rewriter = JsonRewriter(plan)
    reader = TextReader(file_blocks(source))
    frame: Any = None
    count = 0
    try:
        with open(spool_path, "w", encoding="utf-8", newline="") as spool:
            for member in har_members(reader):
                if not isinstance(member, Member):
                    frame = member
                    break
                text = style.dumps(rewriter.node(member.value, f"/log/entries/{member.index}"))
                spool.write((between if count else "") + (text.replace("\n", inset) if style.indent else text))
                count += 1
        if reader.long_integer or frame is None:
            raise ValueError("not a HAR the streamed reader keeps as it is")
        head, tail = _frame_around_entries(rewriter.node(frame, ""), style, between, count)
        out.write(head)
        if count:
            for block in file_blocks(spool_path):
                out.write(block)
            out.write(tail)
    finally:
        if os.path.exists(spool_path):
            os.unlink(spool_path)


def _frame_around_entries(frame: Any, style: JsonStyle, between: str, count: int) -> tuple[str, str]:
    """The rewritten frame's text before and after its entries (with no entry, all of it and "")."""
    log = frame.get("log") if isinstance(frame, dict) else None
    if not isinstance(log, dict) or log.get("entries") != []:
        raise ValueError("the frame's entries list was renamed")
    if not count:
        return style.dumps(frame), ""
    marks = [f"leakscan-entry-{uuid.uuid4().hex}" for _ in range(2)]
    log["entries"] = marks
    text = style.dumps(frame)
    first, second = f'"{marks[0]}"', f'"{marks[1]}"'
    if text.count(first) != 1 or text.count(second) != 1:
        raise ValueError("an entry mark was written twice")
    head, rest = text.split(first)
    middle, tail = rest.split(second)
    if middle != between:
        raise ValueError("entries are not separated as expected")
    return head, tail


def _ends_with_newline(path: str) -> bool:
    with open(path, "rb") as handle:
        if handle.seek(0, os.SEEK_END) == 0:
            return False
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
