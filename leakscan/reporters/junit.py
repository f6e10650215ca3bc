"""JUnit XML: one test suite per file, one failed test case per finding, for CI test-report panes."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TextIO

from leakscan.model import Finding, Report
from leakscan.reporters.options import ReportOptions

# Characters XML 1.0 cannot hold at all (a path or reason from a scanned repository may carry them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CLEAN_CASE = "no findings"
ERRORS_SUITE = "leakscan: scan errors"


def _text(value: object) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def _case_name(finding: Finding) -> str:
    loc = finding.location
    place = f"line {loc.line}" if loc.line else (loc.pointer or "file")
    commit = f" @ {loc.commit[:12]}" if loc.commit else ""
    return f"{finding.rule_id} at {place}{commit}"


def _details(finding: Finding, show_secrets: bool) -> str:
    loc = finding.location
    lines = [
        f"{finding.name} ({finding.category}, {finding.severity}, confidence {finding.confidence:.2f})",
        f"value: {finding.secret if show_secrets else finding.masked}",
        f"location: {loc.path}" + (f":{loc.line}" if loc.line else "") + (f":{loc.column}" if loc.column else ""),
    ]
    if loc.pointer:
        lines.append(f"pointer: {loc.pointer}")
    if loc.commit:
        lines.append(f"commit: {loc.commit}")
    if loc.repository:
        lines.append(f"repository: {loc.repository}")
    lines += [f"reason: {reason}" for reason in finding.reasons]
    lines.append(f"fix: {finding.suggestion.text}")
    lines += [f"also at: {place}" for place in finding.also_at]
    return "\n".join(lines)


def _where(finding: Finding) -> str:
    """The file, prefixed with its repository in a `leakscan repos` report (paths repeat across repositories)."""
    loc = finding.location
    return f"{loc.repository}:{loc.path}" if loc.repository else loc.path


def _case(suite: ET.Element, finding: Finding, show_secrets: bool) -> None:
    loc = finding.location
    case = ET.SubElement(suite, "testcase", name=_text(_case_name(finding)), classname=_text(_where(finding)),
                         file=_text(loc.path), time="0")
    if loc.line:
        case.set("line", str(loc.line))
    failure = ET.SubElement(case, "failure", type=finding.severity,
                            message=_text(f"{finding.name}: {finding.secret if show_secrets else finding.masked}"))
    failure.text = _text(_details(finding, show_secrets))


def junit_tree(report: Report, show_secrets: bool = False) -> ET.Element:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_file[_where(finding)].append(finding)
    root = ET.Element("testsuites", name="leakscan", tests=str(len(report.findings) + len(report.errors) or 1),
                      failures=str(len(report.findings)), errors=str(len(report.errors)),
                      time=f"{report.stats.seconds:.3f}")
    for path in sorted(by_file):
        findings = by_file[path]
        suite = ET.SubElement(root, "testsuite", name=_text(path), tests=str(len(findings)),
                              failures=str(len(findings)), errors="0", skipped="0", time="0")
        for finding in findings:
            _case(suite, finding, show_secrets)
    if report.errors:
        suite = ET.SubElement(root, "testsuite", name=ERRORS_SUITE, tests=str(len(report.errors)),
                              failures="0", errors=str(len(report.errors)), skipped="0", time="0")
        for error in report.errors:
            case = ET.SubElement(suite, "testcase", name=_text(f"scan {error.path}"), classname=_text(error.path),
                                 time="0")
            ET.SubElement(case, "error", message=_text(error.message), type="scan-error").text = _text(error.message)
    if not report.findings and not report.errors:  # a pane with no test case reads as "no report"
        suite = ET.SubElement(root, "testsuite", name="leakscan", tests="1", failures="0", errors="0",
                              skipped="0", time=f"{report.stats.seconds:.3f}")
        ET.SubElement(suite, "testcase", name=CLEAN_CASE, classname="leakscan",
                      time=f"{report.stats.seconds:.3f}")
    return root


def write(report: Report, stream: TextIO, options: ReportOptions) -> None:
    tree = ET.ElementTree(junit_tree(report, options.show_secrets))
    ET.indent(tree)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    tree.write(stream, encoding="unicode", xml_declaration=False)
    stream.write("\n")
