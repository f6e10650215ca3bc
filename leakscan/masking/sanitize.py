"""The one place where every string a report prints, besides the masked value, is masked too.

A finding's location can hold secrets of its own: a JSON key that is a token
becomes part of a pointer (`/sessions/ghp_…/ssn`), an OpenAPI path key holds
`?token=xoxb-…`, a capture heading holds a URL whose path is a bot token or a
webhook, and an error message may quote the document. Before findings and
errors leave the pipeline, their path, pointer, extras, also_at, reasons,
suggestion and messages pass through `Sanitizer.clean`, which masks

1. every value the same document produced as a secret, URL-token or PII
   candidate at MIN_CONFIDENCE or more (so below the report threshold too),
   as written, percent-encoded and pointer-escaped; and
2. whatever a secret, URL-token or PII rule matches in the string itself.

Reporters then print only these strings; none of them masks on its own.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import quote

from leakscan.masking.form_index import FormIndex
from leakscan.masking.values import mask_value
from leakscan.model import Chunk, Finding, MaskSpec, Origin, ScanError
from leakscan.scoring import score
from leakscan.suppression.fingerprint import place_fingerprint, place_of

if TYPE_CHECKING:
    from leakscan.engine.context import Engine

MASKED_CATEGORIES = frozenset({"secret", "url-token", "pii"})
SHOWN_AS_IS = frozenset({"exposure", "stacktrace"})  # categories whose `masked` may be the value itself
MIN_CONFIDENCE = 0.4  # below the report threshold on purpose: a location errs toward masking
MIN_KNOWN_LENGTH = 4  # shorter values would mask innocent pointer segments ("/0/", "/id")
SHORT_KNOWN = 6  # values shorter than this are masked only as whole words (`admin`, not `administrator`)
MAX_ERROR_CHARS = 400
MAX_EXCEPTION_CHARS = 200
LOCATION_PATH = "report-location.txt"  # what rules see as the "file" of a location string
_LOCATION = Origin(kind="file", path=LOCATION_PATH)  # (one for every string: a capture cleans 300,000)
# Extras that name people or commits on purpose (git authors, dates), not document content.
UNMASKED_EXTRAS = frozenset({"author", "date", "introduced_in"})
# Strings a sanitizer remembers, then forgets all at once: a capture's findings each print a pointer of
# their own, and remembering every one held them (and their suggestions) long after they were reported.
MEMO_LIMIT = 8192
# Pieces of strings remembered with the known values their windows may start: at most this many, of
# at most PIECE_MEMO_CHARS characters each (a longer one, a token or an address, seldom comes again).
PIECE_MEMO_LIMIT, PIECE_MEMO_CHARS = 65536, 64
_PIECE = re.compile(r"[^ /]*[ /]*")  # a word or pointer segment and the separators after it
_UNCHANGED = re.compile(r"[A-Za-z0-9_.-]*")  # what percent-encoding and pointer escaping both leave as it is


class Sanitizer:
    def __init__(self, engine: Engine | None,
                 known: Iterable[tuple[str, MaskSpec]] | Mapping[str, MaskSpec] = ()) -> None:
        self.engine = engine
        by_value = known if isinstance(known, Mapping) else dict(known)  # the last spec of a value wins
        # Longest first; two lists, not a pair each: a capture knows a hundred thousand values.
        self._values = sorted((value for value in by_value if len(value) >= MIN_KNOWN_LENGTH), key=lambda v: -len(v))
        self._specs = [by_value[value] for value in self._values]
        self._memo: dict[str, str] = {}
        # The values by their forms' first characters (masking/form_index.py). Only those are kept: a value's
        # forms and mask are made again when the index names it.
        self._index: FormIndex | None = None
        self._pieces: dict[str, frozenset[int]] = {}  # see _candidates

    def clean(self, text: str) -> str:
        if not text:
            return text
        cleaned = self._memo.get(text)
        if cleaned is None:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            cleaned = self._memo[text] = self._mask_matches(self._mask_known(text))
        return cleaned

    def _mask_known(self, text: str) -> str:
        """Known values longest first, each in all its forms. Only the values whose forms' first characters
        occur in the text are tried: a capture with thousands of emails has thousands of known values, and
        trying each on each printed string made a report quadratic in its findings."""
        if not self._values:
            return text
        candidates = self._candidates(text)
        while candidates:
            index = candidates.pop(0)
            value = self._values[index]
            # Every form starts with the value's run of characters that neither encoding changes: most
            # candidates (a window of the text that begins some value, 3.2 million of them for 328,000
            # strings of a capture with 160,000 emails) are let go on that test, before forms and mask.
            stem = _UNCHANGED.match(value).end()  # type: ignore[union-attr]  # (`*`: always a match)
            if stem >= MIN_KNOWN_LENGTH and value[:stem] not in text:
                continue
            forms = _forms(value)
            if not any(form in text for form in forms):
                continue
            masked = mask_value(value, self._specs[index])
            before = text
            for form in forms:
                if form not in text:
                    continue
                if len(form) < SHORT_KNOWN:
                    text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", _literal(masked), text)
                else:
                    text = text.replace(form, masked)
            if text != before:  # a mask may spell a later (shorter) value: look again
                candidates = [i for i in self._candidates(text) if i > index]
        return text

    def _form_index(self) -> FormIndex:
        if self._index is None:
            self._index = FormIndex((_forms(value) for value in self._values), MIN_KNOWN_LENGTH)
        return self._index

    def _candidates(self, text: str) -> list[int]:
        """Indices (in order) of the known values one of whose forms may occur in TEXT.

        Every window the index reads (form_index.LONG characters or fewer) ends in exactly one piece of
        the text (a word or a pointer segment with the separators after it), and starts at most LONG - 1
        characters before that piece: so the windows of the text are those of its pieces, each with the
        characters before it, and a piece seen before (a suggestion's words, a pointer's segments) is not
        cut into windows again. A third less time than cutting each string whole, on a capture's 32,832
        strings."""
        found: set[int] = set()
        pieces, back = self._pieces, self._form_index().widest - 1
        before = ""  # the characters before the piece: the last ones of the key before
        for piece in _PIECE.findall(text):  # (the pieces' strings, not a match object each)
            if not piece:
                continue
            key = before + piece
            before = key[-back:]
            hits = pieces.get(key)
            if hits is None:
                hits = self._window_hits(key)
                if len(key) <= PIECE_MEMO_CHARS:
                    if len(pieces) >= PIECE_MEMO_LIMIT:
                        pieces.clear()
                    pieces[key] = hits
            if hits:
                found.update(hits)
        return sorted(found)

    def _window_hits(self, text: str) -> frozenset[int]:
        """Indices of the known values a form of which starts with one of TEXT's windows."""
        return frozenset(self._form_index().named(text))

    def _mask_matches(self, text: str) -> str:
        if self.engine is None:
            return text
        candidates = self.engine.candidates(Chunk(text, _LOCATION))
        for candidate in sorted(candidates, key=lambda c: -len(c.secret)):
            if (candidate.rule.category in MASKED_CATEGORIES and candidate.secret and candidate.secret in text
                    and score(candidate).confidence >= MIN_CONFIDENCE):
                text = text.replace(candidate.secret, mask_value(candidate.secret, candidate.rule.mask))
        return text


def _forms(value: str) -> tuple[str, ...]:
    """A known value as written, percent-encoded and pointer-escaped (each once)."""
    return tuple(dict.fromkeys((value, _quoted(value), value.replace("~", "~0").replace("/", "~1"))))


# quote(safe="") of an ASCII character: itself when unreserved, else %XX. The sanitizer's index makes the
# forms of every value a document found (160,000 emails in a large capture), and quote() was most of it.
_QUOTE_ASCII = {code: f"%{code:02X}" for code in range(128) if not (chr(code).isalnum() or chr(code) in "_.-~")}


def _quoted(value: str) -> str:
    """quote(value, safe=""), made by one translate when the value is ASCII (most are)."""
    return value.translate(_QUOTE_ASCII) if value.isascii() else quote(value, safe="")


def _literal(replacement: str) -> Callable[[re.Match[str]], str]:
    """A re.sub replacement that inserts REPLACEMENT as is (a string would have its backslashes read as escapes)."""
    return lambda _match: replacement


def sanitize_finding(finding: Finding, sanitizer: Sanitizer) -> Finding:
    """The finding with every printed string masked; the raw places kept (unprinted) for `mask`."""
    loc, clean = finding.location, sanitizer.clean
    location = replace(loc, path=clean(loc.path), pointer=clean(loc.pointer) if loc.pointer else loc.pointer,
                       extra=tuple((k, v if k in UNMASKED_EXTRAS else clean(v)) for k, v in loc.extra))
    also_at = tuple(clean(place) for place in finding.also_at)
    reasons = tuple(clean(reason) for reason in finding.reasons)
    # An exposure's value is shown as it is (an endpoint, a banner): a token inside it is masked all the same.
    shown = clean(finding.masked) if finding.category in SHOWN_AS_IS else finding.masked
    suggestion = replace(finding.suggestion, text=clean(finding.suggestion.text),
                         masked_value=clean(finding.suggestion.masked_value) if finding.category in SHOWN_AS_IS
                         else finding.suggestion.masked_value)
    if (location, also_at, reasons, suggestion, shown) == (loc, finding.also_at, finding.reasons, finding.suggestion,
                                                           finding.masked):
        return finding
    return replace(finding, location=location, also_at=also_at, reasons=reasons, suggestion=suggestion, masked=shown,
                   fingerprint=_place_print(finding, location.pointer), raw_pointer=loc.pointer,
                   raw_also_at=finding.also_at)


def _place_print(finding: Finding, masked_pointer: str | None) -> str:
    """A place fingerprint names the place as reported: a pointer through a key that is an email
    must not put the email's hash back into it."""
    loc = finding.location
    if masked_pointer == loc.pointer or \
            finding.fingerprint != place_fingerprint(finding.rule_id, loc.path, place_of(loc.pointer, loc.line)):
        return finding.fingerprint
    return place_fingerprint(finding.rule_id, loc.path, place_of(masked_pointer, loc.line))


def sanitize_error(error: ScanError, sanitizer: Sanitizer) -> ScanError:
    """An error with no secret in it and at most a short excerpt of the document."""
    message = sanitizer.clean(error.message)
    if len(message) > MAX_ERROR_CHARS:
        message = message[: MAX_ERROR_CHARS - 1] + "…"
    return replace(error, path=sanitizer.clean(error.path), message=message)


def exception_text(exc: BaseException, engine: Engine | None) -> str:
    """`Type: message` of an exception for an errors entry: masked, and short (messages quote input)."""
    text = Sanitizer(engine).clean(f"{type(exc).__name__}: {exc}")
    return text if len(text) <= MAX_EXCEPTION_CHARS else text[: MAX_EXCEPTION_CHARS - 1] + "…"
