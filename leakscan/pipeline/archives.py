"""Archives in a tree scan: each member scanned like a file, found at `outer!/member` with its layers."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from leakscan.analyzers.rule_files import rule_file_kind
from leakscan.engine.context import Engine
from leakscan.masking.sanitize import Sanitizer, sanitize_error
from leakscan.model import Chunk, Finding, Origin, ScanError
from leakscan.pipeline.findings import scan_chunk
from leakscan.sources.containers import Member, container_kind, notebook_members, read_members
from leakscan.sources.decode import decode, is_binary
from leakscan.sources.files import FileRef, read_regular


@dataclass(frozen=True)
class ArchiveResult:
    findings: tuple[Finding, ...]
    errors: tuple[ScanError, ...]
    size: int  # bytes of the file on disk


def scan_archive(ref: FileRef, limit: int, engine: Engine, tally: Counter[str]) -> ArchiveResult | None:
    """The file's members scanned, when it is a container (by content); None when it is not."""
    data = read_regular(ref.path, limit)
    if not isinstance(data, bytes):
        return None  # unreadable or too big since the first read: the caller reports it as before
    return scan_container(data, Origin(kind="file", path=ref.display), engine, tally)


def scan_container(data: bytes, origin: Origin, engine: Engine, tally: Counter[str]) -> ArchiveResult | None:
    """The members of `data` scanned, each found at `origin.path!/member` (commit and blob kept:
    a history scan opens an archive blob once, like any blob); None when `data` is no container."""
    if container_kind(data, origin.path) is None:
        return None
    findings: list[Finding] = []
    errors: list[ScanError] = []
    sanitizer = Sanitizer(engine)
    for item in read_members(data, origin.path, engine.config.archive_limits):
        if isinstance(item, ScanError):
            errors.append(sanitize_error(item, sanitizer))
            continue
        found, errs = _scan_member(item, engine, tally, sanitizer, origin)
        findings.extend(found)
        errors.extend(errs)
    return ArchiveResult(tuple(findings), tuple(errors), len(data))


def scan_notebook(display: str, text: str, engine: Engine,
                  tally: Counter[str]) -> tuple[list[Finding], list[ScanError]] | None:
    """A Jupyter notebook's cells scanned like archive members (`nb.ipynb!/cells/3/source`), with
    image outputs left out; None when the file is no notebook."""
    members = notebook_members(text, display)
    if members is None:
        return None
    findings: list[Finding] = []
    errors: list[ScanError] = []
    sanitizer = Sanitizer(engine)
    for member in members:
        found, errs = _scan_member(member, engine, tally, sanitizer)
        findings.extend(found)
        errors.extend(errs)
    return findings, errors


def _scan_member(member: Member, engine: Engine, tally: Counter[str], sanitizer: Sanitizer,
                 origin: Origin | None = None) -> tuple[list[Finding], list[ScanError]]:
    if is_binary(member.data):
        return [], []
    text, exact = decode(member.data)
    if not engine.config.scan_rule_packs and rule_file_kind(member.path, text, member.data if exact else None):
        return [], []
    chunk = Chunk(text, replace(origin, path=member.path) if origin else Origin(kind="file", path=member.path))
    try:
        found, errors = scan_chunk(chunk, engine, member.data if exact else None, tally)
    except Exception as exc:  # one bad member never stops a scan
        return [], [sanitize_error(ScanError(member.path, f"scan failed: {type(exc).__name__}: {exc}"), sanitizer)]
    # Document scanners build their own origins: the member's layers are put in front here.
    return [replace(f, location=replace(f.location, layers=(*member.layers, *f.location.layers)))
            for f in found], errors
