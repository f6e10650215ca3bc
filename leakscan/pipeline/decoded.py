"""Decoded values scanned again: a finding inside base64 or percent-encoding keeps the outer span."""
from __future__ import annotations

from dataclasses import replace

from leakscan.engine.context import Engine, LineIndex
from leakscan.model import Adjustment, Candidate, Chunk, Origin
from leakscan.sources.encodings import Encoded, encoded_values

# Decoded values scanned per chunk: a file of thousands of encoded blobs costs a bounded amount.
MAX_DECODED_PER_CHUNK = 512


def decoded_candidates(chunk: Chunk, engine: Engine) -> list[Candidate]:
    """Rule matches inside the chunk's encoded values, placed on the encoded text they came from."""
    text = chunk.text
    out: list[Candidate] = []
    lines = LineIndex(text)
    for count, encoded in enumerate(encoded_values(text)):
        if count >= MAX_DECODED_PER_CHUNK:
            break
        origin = replace(chunk.origin, layers=(*chunk.origin.layers, *encoded.layers))
        # The key stays beside the value: `password: <decoded>` is what rules and scoring read.
        inner = Chunk(f"{encoded.key}: {encoded.text}" if encoded.key else encoded.text,
                      Origin(kind=chunk.origin.kind, path=chunk.origin.path))
        out.extend(_on_outer_span(found, encoded, chunk, origin, lines) for found in engine.candidates(inner))
    return out


def _on_outer_span(found: Candidate, encoded: Encoded, chunk: Chunk, origin: Origin, lines: LineIndex) -> Candidate:
    """The candidate moved onto the encoded span: the place a reader sees and a mask must cover."""
    first = lines.line_of(encoded.start)
    last = lines.line_of(max(encoded.start, encoded.end - 1))
    column = encoded.start - lines.line_start(encoded.start) + 1
    end_column = encoded.end - lines.line_start(max(encoded.start, encoded.end - 1)) + 1
    if first == 0:
        column += chunk.origin.column_offset
    if last == 0:
        end_column += chunk.origin.column_offset
    what = " → ".join(encoded.layers)
    reason = f"decoded: {encoded.key} → {what}" if encoded.key else f"decoded: {what}"
    return replace(found, origin=origin, line=chunk.origin.line_offset + first + 1, column=column,
                   end_line=chunk.origin.line_offset + last + 1, end_column=end_column,
                   line_text=lines.line_text_at(encoded.start), before=lines.previous_line(encoded.start),
                   adjustments=(*found.adjustments, Adjustment(reason, 0.0)))
