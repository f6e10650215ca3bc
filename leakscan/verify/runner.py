"""Verify a report's findings: one request per distinct credential, at most N at a time, results on each finding."""
from __future__ import annotations

import hashlib
import http.client
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from leakscan.model import Finding, Report, Verification
from leakscan.rules.verifiers import VerifierSpec, all_verifiers
from leakscan.verify.answers import clean, judge
from leakscan.verify.build import BuildError, base_url, build_request, describe
from leakscan.verify.hosts import HostRefused, Target, parse_endpoint_overrides, resolve_target
from leakscan.verify.http import Prepared, send
from leakscan.verify.limits import ProviderPace, backoff_seconds
from leakscan.verify.parts import MissingPart, part_values
from leakscan.verify.signing import SigningError
from leakscan.verify.sources import SourceReader

CREDENTIAL_CATEGORIES = ("secret", "url-token")
INVALID_PENALTY = 0.4


@dataclass(frozen=True)
class VerifySettings:
    overrides: tuple[tuple[str, str], ...] = ()  # --verify-endpoint NAME=URL
    dry_run: bool = False
    timeout: float = 10.0
    concurrency: int = 8  # requests in flight at once, over every provider
    retries: int = 2  # further attempts after a 429
    max_backoff: float = 30.0

    @classmethod
    def from_options(cls, endpoints: tuple[str, ...], dry_run: bool) -> VerifySettings:
        """Settings from the command line; ValueError names a malformed --verify-endpoint."""
        return cls(overrides=tuple(sorted(parse_endpoint_overrides(tuple(endpoints)).items())), dry_run=dry_run)


def verify_report(report: Report, settings: VerifySettings, roots: tuple[str, ...],
                  note: Callable[[str], None] = lambda line: None, unavailable: dict[int, str] | None = None,
                  reader: SourceReader | None = None, rule_files: tuple[str, ...] = ()) -> Report:
    """REPORT with every credential finding verified (or marked skipped), sources read under ROOTS.
    UNAVAILABLE: why the value of a finding (by index) could not be read again (`leakscan verify`)."""
    from leakscan.rules.loader import load_rules

    specs = all_verifiers(list(load_rules(rule_files)))  # custom packs (--rules) may carry `verify:` blocks
    unknown = sorted(set(dict(settings.overrides)) - {s.provider for s in specs})
    if unknown:
        raise ValueError(f"--verify-endpoint: no verifier named {', '.join(unknown)}")
    return Verifier(specs, settings, reader or SourceReader(roots), note).verify(report, unavailable or {})


@dataclass(frozen=True)
class _Job:
    spec: VerifierSpec
    values: tuple[tuple[str, str], ...]


class Verifier:
    """Asks providers about findings; `note` receives the dry run's masked request lines."""

    def __init__(self, specs: tuple[VerifierSpec, ...], settings: VerifySettings, reader: SourceReader,
                 note: Callable[[str], None] = lambda line: None) -> None:
        self.by_rule = {rid: spec for spec in specs for rid in spec.rules}
        self.settings, self.reader, self.note = settings, reader, note
        self.pace = ProviderPace()
        self.overrides = dict(settings.overrides)

    def verify(self, report: Report, unavailable: dict[int, str] | None = None) -> Report:
        gone = unavailable or {}
        planned = [self._plan(f, gone.get(i)) for i, f in enumerate(report.findings)]
        jobs = {key: job for item in planned if isinstance(item, tuple) for key, job in [item]}
        workers = 1 if self.settings.dry_run else max(1, self.settings.concurrency)  # a dry run prints in order
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = dict(zip(jobs, pool.map(self._run_guarded, jobs.values()), strict=True))
        findings = []
        for finding, item in zip(report.findings, planned, strict=True):
            outcome = results[item[0]] if isinstance(item, tuple) else item
            findings.append(apply(finding, outcome) if outcome else finding)
        return replace(report, findings=tuple(findings))

    def _plan(self, finding: Finding, gone: str | None = None) -> tuple[str, _Job] | Verification | None:
        """(cache key, job) for a finding to verify; else its skipped Verification, or None (not a credential)."""
        spec = self.by_rule.get(finding.rule_id)
        if spec is None:
            if finding.category not in CREDENTIAL_CATEGORIES:
                return None
            return _result("skipped", "", "no verifier for this rule")
        if not finding.secret:
            return _result("skipped", spec.provider, gone or "the value is not available (location gone)")
        try:
            values = part_values(spec, finding.secret, self._text(spec, finding), finding.location.line)
        except MissingPart as exc:
            return _result("skipped", spec.provider, str(exc))
        digest = hashlib.sha256("\0".join([spec.provider, *(f"{k}={v}" for k, v in sorted(values.items()))])
                                .encode()).hexdigest()  # a token found 500 times is asked about once
        return digest, _Job(spec, tuple(sorted(values.items())))

    def _text(self, spec: VerifierSpec, finding: Finding) -> str | None:
        return self.reader.text(finding.location) if any(p.pattern for p in spec.parts) else None

    def _run_guarded(self, job: _Job) -> Verification:
        """One check that fails in an unforeseen way is that finding's error, not the end of the report;
        the exception's text is not kept (it could quote a request)."""
        try:
            return self._run(job)
        except Exception as exc:  # noqa: BLE001 - any failure of one check
            return _result("error", job.spec.provider, f"internal error ({type(exc).__name__})")

    def _run(self, job: _Job) -> Verification:
        spec, values = job.spec, dict(job.values)
        # The secret and what was cut from it are masked in every detail and dry-run line; the other parts
        # (an account name, a key id, a host) identify the credential and may be shown.
        secrets = [values["secret"], *(values[p.name] for p in spec.parts if p.from_secret)]
        try:
            base, user_named = base_url(spec, values, self.overrides)
            prepared = build_request(spec, values, base)
            if self.settings.dry_run:
                self.note(f"would ask {spec.provider}: {describe(prepared, secrets)}")
                return _result("skipped", spec.provider, "dry run: no request made")
            target = resolve_target(prepared.url, user_named=user_named)
        except HostRefused as exc:
            return _result("skipped", spec.provider, clean(str(exc), secrets))
        except (BuildError, SigningError) as exc:
            return _result("skipped", spec.provider, str(exc))
        return self._ask(spec, prepared, target, secrets)

    def _ask(self, spec: VerifierSpec, prepared: Prepared, target: Target, secrets: list[str]) -> Verification:
        for attempt in range(self.settings.retries + 1):
            self.pace.wait(spec.provider, spec.rate_per_second)
            try:
                answer = send(prepared, target, self.settings.timeout)
            except TimeoutError:
                return _result("error", spec.provider, f"no answer within {self.settings.timeout:g} s")
            except (OSError, http.client.HTTPException, ValueError) as exc:  # ValueError: unencodable header
                reason = getattr(exc, "strerror", None) or type(exc).__name__
                return _result("error", spec.provider, clean(f"network error: {reason}", secrets))
            if answer.status != 429 or attempt == self.settings.retries:
                status, detail = judge(spec, answer, secrets)
                return _result(status, spec.provider, detail)
            time.sleep(backoff_seconds(answer, attempt, self.settings.max_backoff))
        raise AssertionError("unreachable")  # pragma: no cover


def apply(finding: Finding, outcome: Verification) -> Finding:
    """The finding with its verification; live means confidence 1.0, refused means lowered, each with a reason."""
    if outcome.status == "valid":
        reason = f"verified live by {outcome.provider}: {1.0 - finding.confidence:+.2f}"
        return replace(finding, verification=outcome, confidence=1.0, reasons=(*finding.reasons, reason))
    if outcome.status == "invalid":
        lowered = round(max(0.05, finding.confidence - INVALID_PENALTY), 2)
        reason = (f"{outcome.provider} refused it (revoked, expired or never valid): "
                  f"{lowered - finding.confidence:+.2f}")
        return replace(finding, verification=outcome, confidence=lowered, reasons=(*finding.reasons, reason))
    return replace(finding, verification=outcome)


def _result(status: str, provider: str, detail: str) -> Verification:
    checked_at = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Verification(status=status, checked_at=checked_at, provider=provider, detail=detail)
