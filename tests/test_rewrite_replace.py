"""masking/rewrite.py `replace_in`: one pass over the text, the same result as a pass per form."""
from __future__ import annotations

import random

from leakscan.masking import rewrite
from leakscan.masking.rewrite import Replacement, replace_in


def _one_pass_per_form(text: str, reps: list[Replacement]) -> str:
    """What replace_in did before it made one pass: each value (longest first), each of its forms in
    turn, replaced over the whole text."""
    for rep in sorted(reps, key=lambda r: -len(r.secret)):
        done: set[str] = set()
        for form, target in zip(rewrite._forms(rep.secret), rewrite._forms(rep.text), strict=False):
            if form and form not in done and form in text:
                text = text.replace(form, target)
            done.add(form)
    return text


def test_one_pass_masks_as_a_pass_per_form_did() -> None:
    """Values that overlap, contain each other, share forms (`a b` and `a+b`), or are written
    percent-encoded or JSON-escaped; texts with none, one or many of them. The masks are written in
    characters no value holds, so no mask spells a value (the one case the passes could differ in:
    a pass per form also searched what an earlier pass wrote)."""
    rng = random.Random(5)
    alphabet = 'ab @/"\\\n'
    for round_ in range(3000):
        secrets = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 6))}
        reps = [Replacement(secret, f"<{i}>", "pii") for i, secret in enumerate(sorted(secrets))]
        forms = [form for rep in reps for form in rewrite._forms(rep.secret)]
        pieces = [*forms, "a", "b", " ", "@", "%", "x"]
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert replace_in(text, reps) == _one_pass_per_form(text, reps), (round_, text, secrets)


def test_many_values_are_each_found_by_one_look_at_each_position(monkeypatch) -> None:
    """Past FIND_HEADS distinct first characters, positions are looked at one by one: same result."""
    rng = random.Random(6)
    secrets = [f"user{i:05d}.{rng.randrange(10 ** 6):06d}@mail.example" for i in range(300)]
    reps = [Replacement(secret, f"<{i}>", "pii") for i, secret in enumerate(secrets)]
    text = " ".join(rng.choice([*secrets, "user", "mail.example", "user00001."]) for _ in range(2000))
    expected = _one_pass_per_form(text, reps)
    assert replace_in(text, reps) == expected and "@mail.example" not in expected
    monkeypatch.setattr(rewrite, "FIND_HEADS", 10 ** 9)  # str.find for every head instead
    assert replace_in(text, reps) == expected
