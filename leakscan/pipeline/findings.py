"""Chunks → candidates → scored, masked, suppressed findings: the stages every scan shares."""
from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator

from leakscan.analyzers.registry import document_scanner_for
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.masking.sanitize import MASKED_CATEGORIES, Sanitizer, sanitize_error, sanitize_finding
from leakscan.masking.sanitize import MIN_CONFIDENCE as SANITIZE_CONFIDENCE
from leakscan.masking.values import mask_value, suggest
from leakscan.model import Candidate, Chunk, Finding, Location, MaskSpec, Origin, Rule, ScanError
from leakscan.pipeline.decoded import decoded_candidates
from leakscan.pipeline.pairing import pair_identifiers
from leakscan.scoring import Score, score
from leakscan.store.records import FindingSpill
from leakscan.suppression.baseline import drop_baselined
from leakscan.suppression.fingerprint import fingerprint, fingerprint_key, place_of, secret_hash
from leakscan.suppression.inline import inline_ignored, path_allowed

# Origin kinds of captured traffic (the capture scanners' contexts) and of API specs.
_CAPTURE_KINDS = frozenset({"har", "http", "jsonl"})

BASELINE_BATCH = 1_000  # findings made, then judged by the baseline, before they are kept or spilled
_Scored = tuple[Candidate, Score]


def finding_place(origin: Origin) -> str:
    """Where a finding was, as the remedy needs it: history, capture, spec or code."""
    if origin.commit:
        return "history"
    if origin.kind in _CAPTURE_KINDS:
        return "capture"
    return "spec" if origin.kind == "spec" else "code"


def to_finding(candidate: Candidate, confidence: float, reasons: tuple[str, ...]) -> Finding:
    rule, origin = candidate.rule, candidate.origin
    masked = mask_value(candidate.display or candidate.secret, rule.mask)
    digest = secret_hash(candidate.secret)
    return Finding(
        rule_id=rule.id,
        category=rule.category,
        name=rule.name,
        severity=rule.severity,
        confidence=confidence,
        reasons=reasons,
        location=Location(
            path=origin.path, line=candidate.line, column=candidate.column,
            end_line=candidate.end_line, end_column=candidate.end_column,
            commit=origin.commit, pointer=origin.pointer, blob=origin.blob, extra=origin.extra,
            layers=origin.layers,
        ),
        masked=masked,
        # Never a plain hash of a guessable value: see leakscan/fingerprint.py.
        fingerprint=fingerprint(rule.id, rule.category, origin.path, candidate.secret,
                                place_of(origin.pointer, candidate.line), fingerprint_key()),
        suggestion=suggest(rule, masked, origin.pointer, finding_place(origin)),
        secret_hash=digest,
        secret=candidate.secret,
        also_at=candidate.also_at,
        related_lines=candidate.related_lines,
    )


def findings_from(candidates: Iterable[Candidate], config: Config, engine: Engine | None = None,
                  tally: Counter[str] | None = None) -> list[Finding]:
    """Score, apply the threshold and allowlists, and keep one finding per span.

    With the engine, every string the findings print is masked (leakscan/sanitize.py)."""
    return _scored_findings(candidates, config, engine, tally)[0]


def document_findings(candidates: Iterable[Candidate], errors: Iterable[ScanError], engine: Engine,
                      tally: Counter[str] | None = None,
                      into: FindingSpill | None = None) -> tuple[list[Finding], list[ScanError]]:
    """One document's findings and errors, every printed string masked (values it found, rule matches).
    With `into`, the findings are added to it as they are made (and the list returned is empty)."""
    findings, sanitizer = _scored_findings(candidates, engine.config, engine, tally, into)
    return findings, [sanitize_error(e, sanitizer) for e in errors]


def _scored_findings(candidates: Iterable[Candidate], config: Config, engine: Engine | None,
                     tally: Counter[str] | None = None,
                     into: FindingSpill | None = None) -> tuple[list[Finding], Sanitizer]:
    """`tally` counts the findings a suppression hid (reported ones only: at or above the threshold).

    A capture has hundreds of thousands of candidates: each becomes its finding and is let go before
    the next (the caller passes an iterator, which lets go of its sequence once read), and equal
    scores are one object, so a document's candidates and findings are not all held twice."""
    allowed = [c for c in candidates
               if not (config.allow_paths and path_allowed(c.origin.path, config.allow_paths))]
    if not allowed:  # most files of a tree: nothing to score, pair, mask or look up in a baseline
        return [], Sanitizer(engine)
    scores: dict[Score, Score] = {}
    scored: list[_Scored] = []
    ignored: list[_Scored] = []
    known: dict[str, MaskSpec] = {}  # the last spec of a value wins, as in Sanitizer
    # Identifiers (key ids, client ids) are named in their secret's finding, or fall below the threshold.
    paired = pair_identifiers([(c, _shared(score(c), scores)) for c in allowed])
    del allowed
    for pair in paired:  # the pair itself kept, not a copy: a capture has a hundred thousand
        candidate, result = pair
        if result.confidence >= config.min_confidence:
            hidden = inline_ignored(candidate.rule.id, candidate.line_text, candidate.before)
            (ignored if hidden else scored).append(pair)
        if result.confidence >= SANITIZE_CONFIDENCE and candidate.rule.category in MASKED_CATEGORIES:
            known[candidate.secret] = candidate.rule.mask
    del paired
    if tally is not None:
        tally["inline_ignore"] += len(_best_per_span(ignored))
    del ignored
    kept = _best_per_span(scored)
    del scored
    sanitizer = Sanitizer(engine, known)
    del known  # the sanitizer keeps its own copy
    findings: list[Finding] = []
    made = _findings_of(kept, sanitizer if engine is not None else None)
    while batch := list(itertools.islice(made, BASELINE_BATCH)):  # a baseline judges each finding alone
        outside_baseline_files = drop_baselined(batch, None)
        reported = drop_baselined(outside_baseline_files, config.baseline)
        if tally is not None:
            tally["baseline"] += len(outside_baseline_files) - len(reported)
        if into is None:
            findings.extend(reported)
        else:
            into.add(reported)
    return findings, sanitizer


def _shared(result: Score, scores: dict[Score, Score]) -> Score:
    """One object for equal scores: thousands of emails share a handful of reason tuples."""
    return scores.setdefault(result, result)


def _findings_of(kept: list[_Scored], sanitizer: Sanitizer | None) -> Iterator[Finding]:
    """Each kept candidate's finding, in order, the candidate let go as its finding is made (`kept` is
    emptied). Masked before the baseline: it holds fingerprints as reported (masked pointers)."""
    kept.reverse()
    while kept:
        candidate, result = kept.pop()
        finding = to_finding(candidate, result.confidence, result.reasons)
        del candidate
        yield finding if sanitizer is None else sanitize_finding(finding, sanitizer)


def _best_per_span(scored: list[_Scored]) -> list[_Scored]:
    """Where matches of the same kind overlap, the most confident wins; on a tie a specific rule
    beats a generic one. Two rules that detect the same thing (same name) on one line are one finding:
    the same value, or for a stack trace or exposure the same fact.

    Only matches in the same value (path, commit, pointer) can overlap, so
    each is compared with its own value's kept matches: a capture with thousands
    of findings in different values costs linear time, not quadratic. A value
    and a fact about where it sits are different findings: a token in a URL
    and the URL's undocumented endpoint are both reported."""
    ranked = sorted(scored, key=lambda cs: (-cs[1].confidence, cs[0].rule.is_generic, cs[0].rule.id))
    kept: list[_Scored] = []
    # A value's kept matches by (path, commit), then pointer: the one (most values of a capture have one: no
    # list, no spans or key of their own) or a list.
    kept_in: dict[tuple[str, str | None], dict[str | None, Candidate | list[Candidate]]] = {}
    for pair in ranked:
        cand, origin = pair[0], pair[0].origin
        in_file = kept_in.setdefault((origin.path, origin.commit), {})
        others = in_file.get(origin.pointer)
        if others is None:
            in_file[origin.pointer] = cand
        else:
            if isinstance(others, Candidate):
                others = in_file[origin.pointer] = [others]
            if any(_competes(cand, other) for other in others):
                continue
            others.append(cand)
        kept.append(pair)
    return kept


def _competes(cand: Candidate, kept: Candidate) -> bool:
    """CAND (in the same value as KEPT) is the same finding: an overlapping match of the same kind, or
    the same name on its line, where a value (secret, token, PII) must also be the same value. Two
    keys, two session cookies or three emails on one line are each a finding (a minified file or a
    JSON string is one line); one error's ORA- and PLS- lines in one log string are one disclosure."""
    kind = _overlap_kind(cand.rule)
    if (cand.line == kept.line and cand.rule.name.casefold() == kept.rule.name.casefold()
            and (kind != "value" or cand.secret == kept.secret)):
        return True
    return (kind == _overlap_kind(kept.rule)
            and (cand.line, cand.column) < (kept.end_line, kept.end_column)
            and (kept.line, kept.column) < (cand.end_line, cand.end_column))


def _overlap_kind(rule: Rule) -> str:
    """Matches that compete for one span: a value (secret, URL token, PII) is one finding whatever
    rules saw it; a stack trace is one; each exposure rule states its own fact about the place."""
    if rule.category in ("secret", "url-token", "pii", "identifier"):
        return "value"
    return rule.category if rule.category == "stacktrace" else f"exposure:{rule.id}"


def scan_chunk(chunk: Chunk, engine: Engine, data: bytes | None = None,
               tally: Counter[str] | None = None) -> tuple[list[Finding], list[ScanError]]:
    """One unit of content: a structured document if a scanner claims it, else text.
    `tally` counts what suppressions hid."""
    engine.matcher.start_file(chunk.origin.path)  # a fresh time budget for backtracking rules
    scanner = document_scanner_for(chunk.origin.path, chunk.text)
    if scanner is not None:
        result = scanner.scan(chunk, engine)
        # Only the iterator holds the candidates: it lets go of them once read, and so can the findings stage.
        found, errors = iter(result.candidates), [*result.errors, *engine.matcher.take_errors()]
        del result
        return document_findings(found, errors, engine, tally)
    candidates = engine.candidates(chunk, data)
    if engine.config.decode:  # values encoded in base64, percent-encoding or escapes (issue 14.2)
        candidates.extend(decoded_candidates(chunk, engine))
    if not candidates:  # no scoring, pairing or sanitising for nothing
        return [], engine.matcher.take_errors()
    findings = findings_from(candidates, engine.config, engine, tally)
    return findings, engine.matcher.take_errors()


def suppressed_pairs(tally: Counter[str]) -> tuple[tuple[str, int], ...]:
    """`stats.suppressed`: findings hidden, by baseline and by inline ignore comments."""
    return tuple((why, tally[why]) for why in SUPPRESSIONS if tally[why])


SUPPRESSIONS = ("baseline", "inline_ignore")


def report_order(finding: Finding) -> tuple[str, str, int, int, str, str]:
    """The report's order of findings (a spill of findings merges its runs by it too)."""
    loc = finding.location
    return loc.path, loc.commit or "", loc.line or 0, loc.column or 0, loc.pointer or "", finding.rule_id


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=report_order)
