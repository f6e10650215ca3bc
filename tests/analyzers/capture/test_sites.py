"""Sites: a text with a stretch cut out still gives the whole file's positions; pinned positions stay."""
from __future__ import annotations

import random

import pytest

from leakscan.analyzers.capture.sites import FileSite, GapSite, PinnedSite, StringSite


def _text(rng: random.Random, length: int, newlines: float) -> str:
    return "".join("\n" if rng.random() < newlines else rng.choice("ab\r{}") for _ in range(length))


@pytest.mark.parametrize("seed", range(40))
def test_a_shortened_text_gives_the_positions_of_the_whole_file(seed: int) -> None:
    """Cuts with newlines before, inside and after them, or none at all; offsets on both sides."""
    rng = random.Random(seed)
    whole = _text(rng, rng.randrange(1, 400), rng.choice([0.0, 0.01, 0.2]))
    cut_at = rng.randrange(0, len(whole))
    cut_end = rng.randrange(cut_at, len(whole) + 1)
    stretch = whole[cut_at:cut_end]
    short = whole[:cut_at] + "[]" + whole[cut_end:]
    site = GapSite(short, cut_at, 2, cut_end - cut_at, stretch.count("\n"),
                   cut_at + stretch.rfind("\n") if "\n" in stretch else -1)
    file = FileSite(whole)
    for offset in [*range(0, cut_at + 1), *range(cut_at + 2, len(short) + 1)]:
        in_file = offset if offset < cut_at + 2 else offset + (cut_end - cut_at) - 2
        assert site.position(offset) == file.position(in_file), (offset, in_file)


def test_a_pinned_site_keeps_the_positions_it_was_asked_for() -> None:
    text = '{"a": "x\\ny\\"z"}'
    string = StringSite(FileSite(text), text, 6, len(text) - 1)
    pinned = PinnedSite(string, (0, 5))
    assert (pinned.position(0), pinned.position(5)) == (string.position(0), string.position(5)) == ((1, 8), (1, 15))
    with pytest.raises(ValueError):
        pinned.position(2)
