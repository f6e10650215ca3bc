"""masking/form_index.py: the values an index names for a text include every value written in it."""
from __future__ import annotations

import random
import string

import pytest

from leakscan.masking import form_index
from leakscan.masking.form_index import LONG, FormIndex

SHORTEST = 4


def _value(rng: random.Random) -> str:
    return rng.choice(["user0", "tok_", "a", ""]) + "".join(rng.choice("ab01@.%/ ") for _ in range(rng.randint(1, 10)))


@pytest.mark.parametrize("block", [form_index.BLOCK, 7, 16])
def test_every_value_written_in_a_text_is_named(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    """Forms shorter than WIDTH, forms sharing their first characters, a form across the boundary of two
    blocks of a long text: each value one of whose forms the text holds is among those named."""
    monkeypatch.setattr(form_index, "BLOCK", block)
    rng = random.Random(block)
    values = [_value(rng) for _ in range(200)]
    forms = [(value, value.replace("@", "%40"), "") for value in values]
    index = FormIndex(forms, SHORTEST)
    for _ in range(400):
        text = "".join(rng.choice([*values, "x", " ", "/"]) for _ in range(rng.randint(0, 30)))
        named = index.candidates(text)
        assert named == sorted(set(named))
        held = {i for i, value_forms in enumerate(forms) if any(f and f in text for f in value_forms)}
        assert held <= set(named), text
        # Exactly the values with a form under SHORTEST characters, or one whose first characters (LONG
        # of a long form, SHORTEST of a shorter one) the text holds: not every value for every text.
        assert named == [i for i, value_forms in enumerate(forms)
                         if any(0 < len(f) < SHORTEST or (f and f[:LONG if len(f) >= LONG else SHORTEST] in text)
                                for f in value_forms)]


def test_values_sharing_their_first_letters_are_not_named_by_them() -> None:
    """4,000 emails all starting `user0` are named only by a text holding one's first LONG characters."""
    emails = [f"user{i:05d}.{''.join(random.Random(i).choices(string.ascii_lowercase, k=6))}@mail.example"
              for i in range(4000)]
    index = FormIndex([(email,) for email in emails], SHORTEST)
    assert index.candidates("/1234/user/email") == []
    assert index.candidates("Mask the value at /users/0/email: user") == []
    named = index.candidates(f"sent to {emails[1234]} today")
    assert named == list(range(1230, 1240))  # those starting `user0123`
    assert index.candidates("user0") == [] and index.candidates("") == []


@pytest.mark.parametrize("block", [form_index.BLOCK, 7])
@pytest.mark.parametrize("count", [1, 30, 400, 3000])
def test_present_starts_are_those_the_text_holds(monkeypatch: pytest.MonkeyPatch, block: int, count: int) -> None:
    """A few starts are each looked for, many are looked up window by window (in blocks of a long text):
    either way, exactly the starts the text holds."""
    monkeypatch.setattr(form_index, "BLOCK", block)
    rng = random.Random(count * block)
    for width in (4, LONG):
        for length in (0, 3, 40, 2000):
            text = "".join(rng.choice("ab01@. ") for _ in range(length))
            held = [text[at:at + width] for at in range(0, max(length - width + 1, 0), 13)][:count // 2]
            starts = set(held) | {"".join(rng.choice("ab01@.xy") for _ in range(width)) for _ in range(count)}
            assert form_index.present_starts(text, width, starts) == {s for s in starts if s in text}
