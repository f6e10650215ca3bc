"""Human report: findings grouped by file (or capture entry), colour on a terminal.

Every field printed comes from scanned content or names (paths, pointers, HAR
fields, git authors), so each passes through `printable` first: a file name
holding ESC or a newline must not clear the screen or forge a report line.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from itertools import groupby
from typing import TextIO

from leakscan.model import Finding, Report, ScanStats
from leakscan.reporters.options import ReportOptions

SEVERITY_COLORS = {"critical": "magenta", "high": "red", "medium": "yellow", "low": "cyan", "info": "white"}
_ANSI_COLORS = {"black": 30, "red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36,
                "white": 37}
WHERE_WIDTH = 10  # the line:column column is at least this wide; wider when a report needs it

# C0 controls, DEL, C1 controls, bidi embeddings/overrides/isolates, line and paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable(text: object) -> str:
    """TEXT with every control and bidi character shown as a visible escape (ESC → \\e, LF → \\n)."""
    return _UNSAFE.sub(_escape, str(text))


def ansi(text: str, fg: str | None = None, bold: bool = False, underline: bool = False) -> str:
    """TEXT in ANSI colour and weight, the codes click.style writes (reporters do not import the CLI's library)."""
    codes = (([f"\x1b[{_ANSI_COLORS[fg]}m"] if fg else []) + (["\x1b[1m"] if bold else [])
             + (["\x1b[4m"] if underline else []))
    return "".join(codes) + text + "\x1b[0m"


def _group_key(finding: Finding) -> str:
    loc = finding.location
    if loc.repository is not None:  # leakscan repos: the same path in two repositories is two groups
        return f"{loc.repository}: {_path_key(finding)}"
    return _path_key(finding)


def _path_key(finding: Finding) -> str:
    loc = finding.location
    extra = dict(loc.extra)
    if "entry" in extra:  # captures group by request (method and URL)
        return f"{loc.path} — {extra['entry']}"
    if loc.commit:
        return f"{loc.path} @ {loc.commit[:12]}"
    return loc.path


def _where(finding: Finding) -> str:
    loc = finding.location
    return f"{loc.line}:{loc.column}" if loc.line else "-"


def write(report: Report, stream: TextIO, options: ReportOptions) -> None:
    def style(text: str, fg: str | None = None, bold: bool = False, underline: bool = False) -> str:
        return ansi(text, fg, bold, underline) if options.color else text

    # Pointers can be any length, so they go on a line of their own; line:column sets the column width.
    width = max([WHERE_WIDTH, *(len(_where(f)) for f in report.findings)])
    indent = " " * (2 + width + 1)
    for key, group in groupby(report.findings, key=_group_key):
        stream.write(style(printable(key), bold=True, underline=True) + "\n")
        for f in group:
            _write_finding(stream, f, options, style, width, indent)
        stream.write("\n")
    for err in report.errors:
        stream.write(style("error", fg="red") + f": {printable(err.path)}: {printable(err.message)}\n")
    s = report.stats
    stream.write(f"{len(report.findings)} finding(s) in {s.files} file(s), {s.bytes / 1e6:.1f} MB, "
                 f"{s.seconds:.2f}s, {s.errors} error(s)\n")
    for line in _left_out_lines(s):
        stream.write(line + "\n")
    if report.errors:
        stream.write(style("incomplete", fg="yellow") + f": {len(report.errors)} item(s) not scanned, or not "
                     "scanned in full (see the errors above); --fail-on-error makes this exit 2\n")


_SUPPRESSION_WORDS = {"baseline": "by the baseline", "inline_ignore": "by inline ignore comments"}
_SKIP_WORDS = {"rule_packs": "scanners' rule packs and baselines (--scan-rule-packs scans them)"}


def _left_out_lines(stats: ScanStats) -> list[str]:
    """What the scan hid or did not read, so a clean report is not mistaken for a full one."""
    lines = []
    hidden = [(n, _SUPPRESSION_WORDS.get(why, why)) for why, n in stats.suppressed if n]
    if hidden:
        total = sum(n for n, _ in hidden)
        lines.append(f"{total} finding(s) hidden: " + ", ".join(f"{n} {words}" for n, words in hidden))
    skipped = [(n, _SKIP_WORDS.get(why, why)) for why, n in stats.skipped if n]
    if skipped:
        lines.append(f"{sum(n for n, _ in skipped)} file(s) skipped: "
                     + ", ".join(f"{n} {words}" for n, words in skipped))
    return lines


def _write_finding(stream: TextIO, f: Finding, options: ReportOptions, style: Callable[..., str], width: int,
                   indent: str) -> None:
    shown = f.secret if options.show_secrets else f.masked
    sev = style(f"{printable(f.severity):<8}", fg=SEVERITY_COLORS.get(f.severity, "white"))
    live = style("LIVE", fg="red", bold=True) + "  " if f.verification and f.verification.status == "valid" else ""
    stream.write(f"  {_where(f):<{width}} {sev} {f.confidence:.2f}  {live}{printable(f.rule_id)}  "
                 f"{printable(f.name)}\n")
    if f.verification is not None:
        stream.write(indent + _verification_line(f, style) + "\n")
    if f.location.pointer:
        stream.write(f"{indent}at {printable(f.location.pointer)}\n")
    if f.location.layers:  # inside an archive or an encoded value
        stream.write(f"{indent}inside {printable(' → '.join(f.location.layers))}\n")
    stream.write(f"{indent}{printable(shown)}\n")
    extra = dict(f.location.extra)
    if f.location.commit:
        who = ", ".join(printable(v) for v in (extra.get("author"), extra.get("date")) if v)
        stream.write(f"{indent}commit {printable(f.location.commit)}{' (' + who + ')' if who else ''}\n")
    if f.also_at:
        more = f" and {len(f.also_at) - 5} more" if len(f.also_at) > 5 else ""  # a cookie in every request
        stream.write(f"{indent}also at: {', '.join(printable(a) for a in f.also_at[:5])}{more}\n")
    if f.related_lines:  # the identifier its reasons name: a user name, a key id
        stream.write(f"{indent}paired with line {', '.join(str(line) for line in f.related_lines)}\n")
    if options.verbose:
        stream.write(f"{indent}reasons: {'; '.join(printable(r) for r in f.reasons)}\n")
        stream.write(f"{indent}fix: {printable(f.suggestion.text)}\n")


def _verification_line(f: Finding, style: Callable[..., str]) -> str:
    """LIVE (the provider accepted the credential) stands out; the other answers are one quiet line."""
    v = f.verification
    assert v is not None
    provider, detail = printable(v.provider) or "no verifier", printable(v.detail)
    if v.status == "valid":
        return style("LIVE", fg="red", bold=True) + f": {provider} accepted it" + (f" ({detail})" if detail else "")
    if v.status == "invalid":
        return f"not live: {provider} refused it" + (f" ({detail})" if detail else "")
    return f"not verified ({printable(v.status)}): " + (f"{provider}: {detail}" if v.provider else detail)
