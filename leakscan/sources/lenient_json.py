"""JSON read past Python's integer-digit limit: an over-long integer becomes a placeholder, the rest is parsed.

`json.loads` refuses a document holding an integer of more than
`sys.get_int_max_str_digits()` digits (4,300 by default): the limit guards
`int()`, whose cost grows with the square of the length. One such number
(a hostile one, or a big-number field) used to cost the whole document its
structure, and with it the keys that make an email or a phone number PII.
Here that integer is kept as a `LongInteger` holding only its length: it is
never converted (no quadratic time), never copied into the result (memory
stays what the text costs), and nothing downstream mistakes it for a value
to scan. Callers say in their `errors` that it happened (`LONG_INTEGER`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

LONG_INTEGER = "JSON holds an integer longer than Python's limit of digits"


@dataclass(frozen=True)
class LongInteger:
    """An integer too long for `int()`: its count of digits, never its value."""

    digits: int

    def __str__(self) -> str:  # what a caller that turns any value into text shows
        return f"<integer of {self.digits} digits>"


def _integer(text: str) -> int | LongInteger:
    try:
        return int(text)  # refuses past the limit by the text's length, before any conversion work
    except ValueError:
        return LongInteger(len(text.lstrip("-")))


def loads_lenient(text: str) -> tuple[Any, bool]:
    """`json.loads(text)`, and whether an integer past the digit limit was kept as a `LongInteger`.

    Raises what `json.loads` raises for anything else (`json.JSONDecodeError`, `RecursionError`). A document
    within the limit is parsed once, at full speed; only one past it is parsed again with the integer hook."""
    try:
        return json.loads(text), False
    except json.JSONDecodeError:
        raise
    except ValueError:  # the digit limit: the only other ValueError json.loads raises
        pass
    return json.loads(text, parse_int=_integer), True


_DECODER = json.JSONDecoder()
_LENIENT = json.JSONDecoder(parse_int=_integer)


def raw_decode_lenient(text: str, at: int = 0) -> tuple[Any, int]:
    """`JSONDecoder().raw_decode(text, at)`, an integer past the digit limit kept as a `LongInteger` (the value is
    parsed again, with the integer hook, only then). Raises `json.JSONDecodeError` and `RecursionError` as it does."""
    value, end, _ = raw_decode_flagged(text, at)
    return value, end


def raw_decode_flagged(text: str, at: int = 0) -> tuple[Any, int, bool]:
    """`raw_decode_lenient`, and whether an integer past the digit limit was kept as a `LongInteger`."""
    try:
        value, end = _DECODER.raw_decode(text, at)
        return value, end, False
    except json.JSONDecodeError:
        raise
    except ValueError:  # the digit limit: the only other ValueError the decoder raises
        value, end = _LENIENT.raw_decode(text, at)
        return value, end, True


def skipping_decoder() -> json.JSONDecoder:
    """A decoder that only finds where a value ends (positions): integers stay text, so none is ever too long."""
    return json.JSONDecoder(parse_int=str)
