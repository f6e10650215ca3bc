"""Frozen records that travel through the pipeline. No imports from the package."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# Every record has a docstring of its own: for one without, @dataclass writes one from inspect.signature
# at import, which every start-up pays for (issue 20.3; tests/test_model.py).

# identifier: key ids and client ids; named in their secret's finding, never a finding above 0.3 alone.
CATEGORIES = ("secret", "url-token", "pii", "stacktrace", "exposure", "identifier")
SEVERITIES = ("info", "low", "medium", "high", "critical")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a chunk of text came from."""

    kind: str  # file, stdin, blob, staged, spec, har, http, json, jsonl
    path: str  # relative to the scanned root ("-" for stdin)
    line_offset: int = 0  # number of lines before the chunk's first line in the file
    column_offset: int = 0  # columns before the chunk's first character on its first line
    commit: str | None = None
    blob: str | None = None
    pointer: str | None = None  # RFC 6901 pointer of the value this chunk holds
    # Free-form provenance (author, date, entry method/url...) as sorted pairs.
    extra: tuple[tuple[str, str], ...] = ()
    fs_path: str | None = None  # the file on disk, for resolving relative refs; never reported
    fs_root: str | None = None  # the directory relative refs must stay in; never reported
    layers: tuple[str, ...] = ()  # what was undone to reach the chunk, outermost first (Location.layers)


@dataclass(frozen=True)
class Chunk:
    """Text to scan and where it came from."""

    text: str
    origin: Origin


@dataclass(frozen=True)
class MaskSpec:
    """How a rule's matches are masked in reports: what is kept of the value, in which style."""

    keep_prefix: int = 4
    keep_suffix: int = 0
    style: str = "secret"  # secret | email | card | ssn | phone | iban | date | ip | redact


@dataclass(frozen=True)
class Rule:
    """One detection rule as loaded from a pack (or an analyzer's rule), validated."""

    id: str
    name: str
    category: str
    severity: str
    confidence: float
    pattern: str | None = None  # None for analyzer rules
    keywords: tuple[str, ...] = ()
    min_entropy: float | None = None
    validator: str | None = None
    mask: MaskSpec = MaskSpec()
    references: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    negative_examples: tuple[str, ...] = ()
    description: str = ""
    # Named detect-secrets heuristics and leakscan filters applied in scoring.
    filters: tuple[str, ...] = ()
    # Words that raise confidence when they stand near the match.
    context: tuple[str, ...] = ()
    # Path globs the rule is limited to (e.g. ".pgpass"); empty means everywhere.
    paths: tuple[str, ...] = ()
    example_path: str | None = None  # virtual path used when checking examples
    analyzer: str | None = None  # structural analyzer that emits this rule
    source_file: str = ""
    verify: str = ""  # a custom pack's `verify:` block, validated, as JSON text (leakscan.rules.verifiers)

    @property
    def is_generic(self) -> bool:
        return self.id.startswith("generic.")


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One piece of evidence that moved a candidate's confidence."""

    reason: str
    delta: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible secret the matcher found, before scoring and suppression."""

    rule: Rule
    secret: str
    origin: Origin
    line: int  # 1-based, absolute in the file
    column: int  # 1-based
    end_line: int
    end_column: int
    line_text: str  # the full line(s) around the secret, for context and inline ignores
    before: str = ""  # the line before, for context words and next-line ignores
    adjustments: tuple[Adjustment, ...] = ()
    # Other places the same value was seen (pointers or "path:line"), for dedup.
    also_at: tuple[str, ...] = ()
    display: str = ""  # masked and shown instead of `secret` when there is no value (a schema property)
    # Lines of the identifiers this secret's reasons name (a user name, a key id), in the same file.
    related_lines: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What to do about a finding, with the value masked."""

    action: str
    text: str
    masked_value: str


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is: path, position, and for history or captures the commit, blob or pointer."""

    path: str
    line: int | None
    column: int | None
    end_line: int | None
    end_column: int | None
    commit: str | None = None
    pointer: str | None = None
    blob: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    layers: tuple[str, ...] = ()  # what was undone to reach it, outermost first: ("gzip", "tar")
    repository: str | None = None  # `leakscan repos`: the repository it was found in (as given or enumerated)


@dataclass(frozen=True, slots=True)
class Finding:
    """A reported candidate: scored, masked, fingerprinted; the secret itself only for --show-secrets."""

    rule_id: str
    category: str
    name: str
    severity: str
    confidence: float
    reasons: tuple[str, ...]
    location: Location
    masked: str
    fingerprint: str
    suggestion: Suggestion
    secret_hash: str  # sha256 of the secret: baselines and dedup, never plaintext
    # The plaintext; reporters only print it under --show-secrets.
    secret: str = field(default="", repr=False, compare=False)
    also_at: tuple[str, ...] = ()
    # The places before masking (a pointer through a key that is a token), for `leakscan mask` to
    # rewrite; reporters print `location.pointer` and `also_at`, which are masked. None: not masked.
    raw_pointer: str | None = field(default=None, repr=False, compare=False)
    raw_also_at: tuple[str, ...] | None = field(default=None, repr=False, compare=False)
    verification: Verification | None = None  # --verify only: what the provider answered
    # Lines of the paired identifiers (a user name beside its password, a key id beside its key) in
    # location.path: reported as `related` ("path:line"); not part of the fingerprint.
    related_lines: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Verification:
    """What a credential's provider answered when asked whether it is live (never the secret)."""

    status: str  # valid | invalid | error | skipped
    checked_at: str  # ISO-8601, UTC
    provider: str
    detail: str = ""  # the account or scopes the provider named, or why it could not be checked


@dataclass(frozen=True)
class ScanError:
    """A path that was not scanned, or not in full, and why."""

    path: str
    message: str


@dataclass(frozen=True)
class ScanStats:
    """What a scan read and skipped, and how long it took."""

    files: int
    bytes: int
    seconds: float
    errors: int
    # Files left out, by reason (gitignored, excluded, size, binary, symlink, special).
    skipped: tuple[tuple[str, int], ...] = ()
    incomplete: bool = False  # stopped early (interrupted): the findings are those found so far
    # Findings hidden, by what hid them: "baseline", "inline_ignore" (issue 11.10).
    suppressed: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Endpoint:
    """One endpoint seen in captured traffic (the API inventory)."""

    method: str
    host: str
    path_template: str  # ids collapsed: /users/{id}
    auth: tuple[str, ...]  # none, cookie, bearer, basic, api-key-header, api-key-query...
    statuses: tuple[int, ...]
    data_classes: tuple[str, ...]  # what its responses carry: email, phone, card, national-id, token, stack-trace
    documented: bool | None = None  # with --spec: in the spec or not; None without a spec or off the API's hosts
    undeclared_fields: tuple[str, ...] = ()  # response fields the spec does not declare (dotted paths)
    calls: int = 1  # requests seen


@dataclass(frozen=True)
class RepositoryStatus:
    """`leakscan repos`: what became of one repository of the run."""

    repository: str
    status: str  # scanned | failed | skipped
    reason: str = ""  # why it failed or was skipped
    findings: int = 0
    workers: tuple[str, ...] = ()  # where its work ran (a pool process or a Dask worker's address)
    reused: bool = False  # done by an earlier, interrupted attempt of the same run (--resume), not scanned again


@dataclass(frozen=True)
class Report:
    """Everything one scan found, for the reporters."""

    findings: Sequence[Finding]  # a tuple, or a large scan's store.records.FindingSpill (same order)
    errors: tuple[ScanError, ...]
    stats: ScanStats
    endpoints: tuple[Endpoint, ...] = ()  # captures only: the API inventory
    repositories: tuple[RepositoryStatus, ...] = ()  # `leakscan repos` only: one status per repository
    rules_hash: str = ""  # digest of the rules that made it (rules.loader.rules_digest), when known
