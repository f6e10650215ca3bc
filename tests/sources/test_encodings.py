"""sources/encodings: assigned values in base64, percent-encoding or escapes, decoded when they are text."""
from __future__ import annotations

import base64
import binascii
import json
import os
import random
import re
import string
from collections.abc import Iterable

from leakscan.sources.encodings import (
    _VALUE,
    _base64_text,
    _value_matches,
    decode_value,
    encoded_values,
    has_encoded_value,
)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_base64_value_is_decoded_on_its_span() -> None:
    text = f"data:\n  password: {b64('Vq8#rT2!mZp4Lx9w')}\n"
    [found] = list(encoded_values(text))
    assert (found.key, found.layers, found.text) == ("password", ("base64",), "Vq8#rT2!mZp4Lx9w")
    assert text[found.start:found.end] == b64("Vq8#rT2!mZp4Lx9w")


def test_base64url_percent_and_escapes() -> None:
    url_safe = base64.urlsafe_b64encode(b"??>>user:secret-value??>>").decode()
    assert "_" in url_safe or "-" in url_safe
    assert decode_value(url_safe) == ("base64", "??>>user:secret-value??>>")
    assert decode_value("https%3A%2F%2Fu%3Ap%40example.test") == ("percent", "https://u:p@example.test")
    assert decode_value("\\u0070assword\\x3dhunter22") == ("escape", "password=hunter22")


def test_depth_two_inside_a_decoded_document() -> None:
    config = json.dumps({"auths": {"registry.example.test": {"auth": b64("deploy:Xy7PqL2mN8vR4tZ")}}})
    found = list(encoded_values(f".dockerconfigjson: {b64(config)}\n"))
    assert [(f.key, f.layers) for f in found] == [("dockerconfigjson", ("base64",)),
                                                  ("dockerconfigjson.auth", ("base64", "base64"))]
    assert found[1].text == "deploy:Xy7PqL2mN8vR4tZ"
    assert found[0].start == found[1].start and found[0].end == found[1].end  # the outer span, for masking


def test_binary_noise_and_hashes_are_not_text() -> None:
    noise = base64.b64encode(os.urandom(48)).decode()
    text = (f"image: {noise}\nsha: 3f786850e387550fdab836ed7e6dc881de23001b\n"
            f"integrity: sha512-{noise}\nname: averyveryverylongidentifiername\nshort: {b64('ab')}\n")
    assert list(encoded_values(text)) == []
    assert decode_value(b64("a\x00\x01binary\x02payload")) is None
    assert decode_value("%a0%e4%d0-not-utf8-percent-bytes") is None  # not text, and no exception


def test_values_in_a_long_text_are_those_a_full_regex_search_finds() -> None:
    # Above engine/literals.SMALL_TEXT the search runs only where the Hyperscan pass says a value
    # that decodes may start: the decoded values must be those of a search over the whole text.
    lines = [f"k{i} = {b64(f'value number {i} é')}  # ü" if i % 3 else f'"k{i}": "a%3Db%26c{i:04d}%3D\\u0041bcdef"'
             for i in range(400)]
    text = "\n".join([*lines, "url=https://h.test/?q=%41%42%43%44%45%46%47%48:x=YWJjZGVmZ2hpamtsbW5vcA==",
                      "short: YWJjZGVmZ2hpams=", "esc=\\x41bcdefghijklmnopq", "pct=%41bcdefghijklmnopq"])

    def decoded(matches: Iterable[re.Match[str]]) -> list[tuple[int, tuple[str, str] | None]]:
        return [(m.start(1), decode_value(m.group(1))) for m in matches if decode_value(m.group(1))]

    assert decoded(_value_matches(text)) == decoded(_VALUE.finditer(text))
    assert len(decoded(_VALUE.finditer(text))) > 300


def test_a_value_after_a_run_that_does_not_decode_is_tried_too() -> None:
    text = "x" * 5000 + f"\nref=some.dotted.name:{b64('Vq8#rT2!mZp4Lx9w')}\n"
    [found] = list(encoded_values(text))
    assert (found.key, found.text) == ("some.dotted.name", "Vq8#rT2!mZp4Lx9w")


def _base64_text_as_before(value: str) -> str | None:
    """`_base64_text` without its shortcuts: the base64 module decides alone."""
    padded = value + "=" * (-len(value) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded) if "-" in value or "_" in value else \
            base64.b64decode(padded, validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def test_base64_shortcuts_refuse_only_what_the_base64_module_refuses() -> None:
    rng = random.Random(3)
    alphabet = string.ascii_letters + string.digits + "+/-_"
    texts = [base64.b64encode(rng.choice(["token: abc", "ünï", "x" * 30]).encode()[:n]).decode()
             for n in range(1, 24)]
    for _ in range(4000):
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(14, 40))) + "=" * rng.randint(0, 3))
    for value in texts:
        assert _base64_text(value) == _base64_text_as_before(value), value


def test_base64_values_refused_by_their_first_character_never_decode_to_text() -> None:
    """The first-character shortcuts (not UTF-8, or a control character first) refuse only values that
    the base64 module and the text test refuse too."""
    from leakscan.sources.encodings import _text

    rng = random.Random(8)
    values = []
    for _ in range(6000):
        if rng.random() < 0.5:  # bytes of every kind, text among them
            raw = bytes(rng.randrange(256) for _ in range(rng.randint(12, 40)))
        else:
            alphabet = string.printable + "é€\u3000\x01\x1f"
            raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(12, 40))).encode()
        value = base64.b64encode(raw).decode() if rng.random() < 0.5 else base64.urlsafe_b64encode(raw).decode()
        values.append(value.rstrip("=") if rng.random() < 0.3 else value)
    refused_early = 0
    for value in values:
        expected = _text("base64", _base64_text_as_before(value), value)
        assert decode_value(value) == expected, value
        refused_early += value[0] in "ABEFGHghijklmnopqrstuv+/-_"
    assert refused_early > 1000


def _gate_texts(rng: random.Random) -> list[str]:
    """Texts of a few lines, each maybe holding one value of a kind that decodes or nearly does."""
    alphabet = string.ascii_letters + string.digits + "+/-_"
    pieces = [
        lambda: f"k = {b64(rng.choice(['Vq8#rT2!mZp4Lx9w', 'user:secret-value', 'ünï-text-here']))}",
        lambda: f"k: {base64.urlsafe_b64encode(bytes(rng.randrange(256) for _ in range(18))).decode()}",
        lambda: "k=" + "".join(rng.choice(alphabet) for _ in range(rng.randint(14, 30))),
        lambda: f"k = assert_python_ok_{rng.randint(0, 99)}(x)",
        lambda: "fmt = '%02x' % value_of_some_length",
        lambda: "p=%41bcdefghijklmnopq" if rng.random() < 0.5 else "p=abc%zzdefghijklmnop",
        lambda: "e=\\x41bcdefghijklmnopq" if rng.random() < 0.5 else "e=\\qbcdefghijklmnopq",
        lambda: f"a=x.y:{b64('Vq8#rT2!mZp4Lx9w')}",  # a start inside a run that does not decode
        lambda: f"a=gggg{b64('Vq8#rT2!mZp4Lx9w')}=",
        lambda: "plain words only, no value here",
        lambda: f"naïve = {b64('Vq8#rT2!mZp4Lx9w')}",
        # Characters of two, three and four UTF-8 bytes before the value: offsets differ by bytes.
        lambda: f"名前 = '{b64('Vq8#rT2!mZp4Lx9w')}' # 🔑 ok",
        lambda: "€ 🔑 e=\\x41bcdefghijklmnopq" if rng.random() < 0.5 else "€€ p=abc%41déf-ghijklmnop",
        lambda: "ключ = 'just words, nothing encoded' 🔑",
        # An escape that does not decode, then a base64 start before that match's end: asked out of order.
        lambda: f"é k=\\x01:{b64('Vq8#rT2!mZp4Lx9w')}",
    ]
    texts = []
    for _ in range(3000):
        lines = [rng.choice(pieces)() for _ in range(rng.randint(1, 4))]
        text = "\n".join(lines)
        texts.append(text if rng.random() < 0.8 else text + "\n" + "x = 1\n" * 700)  # above SMALL_TEXT
    return texts


def test_the_gate_says_whether_encoded_values_yields_anything() -> None:
    """has_encoded_value asks fewer places than encoded_values: its answer is still the same, with
    the text's bytes given or not, for base64, percent and escaped values, starts inside runs that do
    not decode, and non-ASCII text."""
    texts = _gate_texts(random.Random(11))
    answers = [next(encoded_values(text), None) is not None for text in texts]
    assert 200 < sum(answers) < len(texts) - 200
    for text, expected in zip(texts, answers, strict=True):
        assert has_encoded_value(text) == expected, text
        assert has_encoded_value(text, text.encode("utf-8")) == expected, text
