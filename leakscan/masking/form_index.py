"""Which of many values a text may hold, found by their first characters instead of trying each.

A report's sanitizer masks every value a document found wherever a printed
string holds it, and `leakscan mask` masks a long value wherever it turns up
in the copy, each in every form it may be written in. Trying every value on
every string is quadratic: a compact 3 MB HAR with 4,000 emails has some
130,000 keys and strings, half a billion tries, and its masked copy was not
written after 18 minutes. A form starts at one of the text's windows, so the
windows, looked up in an index of the forms' first characters, name the few
values worth trying; the caller tests each one it is given.

Two widths: a form of LONG characters or more is indexed by its first LONG,
a shorter one by its first `shortest`. Four characters alone named too many:
4,000 emails `user00001.…@…` all begin `user`, and every pointer through a
`user` key named all of them.
"""
from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet

LONG = 8
BLOCK = 1 << 16  # characters of a long text cut into windows at a time (a 100 MB dump is not cut at once)

_Index = dict[str, int | list[int]]  # first characters -> a value's index, or a list when several share them


class FormIndex:
    def __init__(self, forms_of: Iterable[Iterable[str]], shortest: int) -> None:
        """The i-th of `forms_of`: the ways value i may be written (read once: a generator holds no list).
        A form under `shortest` characters (never one the callers index: their values are at least that
        long) makes its value named for every text."""
        self._by_width: tuple[tuple[int, _Index], ...] = ((shortest, {}), (LONG, {})) if shortest < LONG \
            else ((shortest, {}),)
        self._always: list[int] = []
        for index, forms in enumerate(forms_of):
            for form in forms:
                if len(form) < shortest:
                    if form and (not self._always or self._always[-1] != index):
                        self._always.append(index)
                    continue
                width, by_start = self._by_width[-1] if len(form) >= LONG else self._by_width[0]
                _add(by_start, form[:width], index)

    @property
    def widest(self) -> int:
        return self._by_width[-1][0]

    def named(self, text: str) -> set[int]:
        """Indices of the values one of whose forms may be in TEXT (a superset: test each)."""
        found: set[int] = set(self._always)
        for width, by_start in self._by_width:
            for start in present_starts(text, width, by_start.keys()):
                hits = by_start[start]
                if isinstance(hits, int):
                    found.add(hits)
                else:
                    found.update(hits)
        return found

    def candidates(self, text: str) -> list[int]:
        """`named`, in order."""
        return sorted(self.named(text))


def present_starts(text: str, width: int, starts: AbstractSet[str]) -> set[str]:
    """Those of STARTS (each WIDTH characters) that TEXT holds, the text cut into windows a block at a time."""
    found: set[str] = set()
    if not starts:
        return found
    if len(starts) * (len(text) + 57) <= 250 * len(text):
        # Few starts: each looked for in C (about 0.4 ns a character, and 23 ns a start) costs less than
        # cutting the windows (0.1-0.16 us a character): up to some 60 starts in a short string, 250 in a
        # long text (docs/benchmarks.md has the measurements).
        return {start for start in starts if start in text}
    for at in range(0, max(len(text) - width + 1, 0), BLOCK):
        piece = text[at:at + BLOCK + width - 1]
        # Every distinct window of the piece, looked up among the starts at once (a set comprehension of
        # slices: a third less time than a set of map(__getitem__, map(slice, ...)) on Python 3.11).
        found |= starts & {piece[i:i + width] for i in range(len(piece) - width + 1)}
    return found


def _add(by_start: _Index, start: str, index: int) -> None:
    held = by_start.setdefault(start, index)
    if held == index:
        return
    if isinstance(held, int):
        by_start[start] = [held, index]
    elif held[-1] != index:  # (a value's forms come together: a repeat is the last one listed)
        held.append(index)
