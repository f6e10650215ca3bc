"""JSON string escapes in plain text decoded for matching, with each character's original offset."""
from __future__ import annotations

import re
from dataclasses import dataclass

from leakscan.engine.literals import SMALL_TEXT, text_marks

# Only escapes that stand for one printable ASCII character (`\/`, `\u0041`): decoding `\n` or
# `\"` would change where lines and strings end, which the line-based rules rely on.
_ESCAPE = re.compile(r"\\(?:/|u00(?:[2-6][0-9a-fA-F]|7[0-9a-eA-E]))")
# A larger text is matched as written: the offset map costs a list entry per character.
MAX_DECODED_CHARS = 1 << 20


@dataclass(frozen=True)
class DecodedText:
    """A text with its JSON escapes decoded, and where each character was written."""

    text: str
    origin: tuple[int, ...]  # origin[i]: offset in the written text of decoded character i; one more at the end

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A decoded span as the span of the written text it came from."""
        return self.origin[start], self.origin[end]


def decode_json_escapes(text: str, data: bytes | None = None) -> DecodedText | None:
    """The lines of `text` holding `\\/` or `\\u00xx` (printable ASCII), decoded and joined; None when
    there are none or the text is too large. Only those lines: the rest was matched as written."""
    if len(text) > MAX_DECODED_CHARS:
        return None
    # A small text (each value of a document comes here) is asked directly: its marks would be
    # these substring tests and three more, in a new record.
    if not (("\\/" in text or "\\u00" in text) if len(text) < SMALL_TEXT else text_marks(text, data).json_escapes):
        return None
    parts: list[str] = []
    origin: list[int] = []
    line_end = -1
    for m in _ESCAPE.finditer(text):
        if m.start() >= line_end:  # a new line: copy it, decoded
            line_start = text.rfind("\n", 0, m.start()) + 1
            nl = text.find("\n", m.start())
            line_end = len(text) if nl == -1 else nl + 1
            _decode_line(text, line_start, line_end, parts, origin)
    if not parts:
        return None
    origin.append(line_end)
    return DecodedText("".join(parts), tuple(origin))


def _decode_line(text: str, start: int, end: int, parts: list[str], origin: list[int]) -> None:
    at = start
    for m in _ESCAPE.finditer(text, start, end):
        parts.append(text[at:m.start()])
        origin.extend(range(at, m.start()))
        escape = m.group()
        parts.append("/" if escape == "\\/" else chr(int(escape[2:], 16)))
        origin.append(m.start())
        at = m.end()
    parts.append(text[at:end])
    origin.extend(range(at, end))
