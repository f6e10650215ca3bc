"""Findings placed as they come: one candidate per value, at its most confident place, the others listed."""
from __future__ import annotations

from leakscan.analyzers.capture.payload import Context, Item, Placed, Proto, finalize
from leakscan.analyzers.capture.sites import FileSite, ShiftSite
from leakscan.model import Adjustment
from leakscan.scoring import score

TEXT = "\n".join(f'{{"id": {i}, "token": "tok_{i}", "email": "jan.kowalski@inbox-mailer.com"}}' for i in range(6))


def _protos(engine, bonuses: list[float]) -> list[Proto]:
    """The same email on every line of TEXT, each with its own confidence."""
    rule = engine.by_id["pii.email"]
    site, protos, at = FileSite(TEXT), [], 0
    for i, line in enumerate(TEXT.split("\n")):
        start = line.index("jan.")
        item = Item(value=line, pointer=f"/{i}/email", site=ShiftSite(site, at), where="json")
        protos.append(Proto(rule, "jan.kowalski@inbox-mailer.com", item, start, start + 29,
                            [Adjustment("test evidence", bonuses[i])]))
        at += len(line) + 1
    return protos


def test_the_most_confident_place_is_reported_the_first_of_equals_and_the_rest_listed(engine):
    ctx = Context(engine, "app.jsonl", "jsonl")
    bonuses = [0.3, 0.5, 0.5, -0.2, 0.5, 0.4]  # lines 2, 3 and 5 tie: line 2 is reported
    protos = _protos(engine, bonuses)
    confidences = [score(p.candidate(ctx)).confidence for p in protos]
    assert max(confidences) >= engine.config.min_confidence and len(set(confidences)) == 4
    placed = Placed(ctx)
    for proto in protos:  # one at a time, as a streamed document gives them
        placed.add([proto])
    (found,) = placed.candidates()
    assert found.origin.pointer == "/1/email"
    assert (found.line, found.column) == (2, TEXT.split("\n")[1].index("jan.") + 1)
    assert found.also_at == ("/0/email", "/2/email", "/3/email", "/4/email", "/5/email")
    assert [found] == finalize(_protos(engine, bonuses), ctx)  # what finalize gives with every item kept


def test_a_value_below_the_threshold_everywhere_is_dropped(engine):
    ctx = Context(engine, "app.jsonl", "jsonl")
    placed = Placed(ctx)
    placed.add(_protos(engine, [-1.0] * 6))
    assert placed.candidates() == []
