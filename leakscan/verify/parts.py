"""The other half of a paired credential (key id, account, client id, host) found near the secret, or in it."""
from __future__ import annotations

import regex

from leakscan.rules.verifiers import PartSpec, VerifierSpec
from leakscan.verify.sources import offset_of_line

SEARCH_WINDOW = 20_000  # characters either side of the secret's line: a pair sits in one file, usually close


class MissingPart(LookupError):
    """A part the request needs was not found; the message says which (never a value)."""


def part_values(spec: VerifierSpec, secret: str, text: str | None, line: int | None) -> dict[str, str]:
    """{name: value} for the secret (`secret`) and every part of SPEC; MissingPart when one is not found."""
    values = {"secret": secret}
    for part in spec.parts:
        value = _find(part, secret, text, line)
        if value is None:
            where = "in the secret" if part.from_secret else "near the secret"
            raise MissingPart(f"no {part.describe} found {where}")
        values[part.name] = _unescape(value) if part.unescape else value
    return values


def _find(part: PartSpec, secret: str, text: str | None, line: int | None) -> str | None:
    if part.from_secret is not None:
        match = regex.search(part.from_secret, secret)
        return match.group(1) if match else None
    if text is None or part.pattern is None:
        return None
    centre = offset_of_line(text, line)
    start = max(0, centre - SEARCH_WINDOW)
    best: tuple[int, str] | None = None
    for match in regex.finditer(part.pattern, text[start: centre + SEARCH_WINDOW]):
        if match.group(1) and match.group(1) != secret:
            distance = abs(start + match.start(1) - centre)
            if best is None or distance < best[0]:
                best = (distance, match.group(1))
    return best[1] if best else None


def _unescape(value: str) -> str:
    """A value written inside a JSON string (a service-account key's \\n line breaks) as its text."""
    return value.replace("\\n", "\n").replace("\\/", "/").replace('\\"', '"')
