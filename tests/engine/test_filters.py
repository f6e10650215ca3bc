from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from leakscan.engine import filters as f

from ..conftest import fake_aws_secret_key, fake_github_token, fake_password
from ..markdown_blocks import ROOT

# Characters where a hand-written check could drift from a regex one: the non-ASCII letters Python
# folds into a-z, Unicode spaces and word characters, the vertical tab, German sharp s (upper() grows it).
_TRICKY = "\u0130\u0131\u017f\u212a\u00a0\u2003\u00e9\u4e2d\v\t\u00df"
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _sequence_piece(rng: random.Random) -> str:
    run = rng.choice([string.ascii_uppercase * 2 + string.digits + "+/", string.digits * 3,
                      (string.digits + string.ascii_uppercase) * 2, "0123456789abcdefABCDEF" * 2,
                      string.ascii_uppercase + "=/", string.ascii_lowercase])
    start = rng.randrange(len(run))
    piece = run[start:start + rng.randint(0, 24)]
    if rng.random() < 0.3 and piece:  # one character off: no longer a run
        at = rng.randrange(len(piece))
        piece = piece[:at] + rng.choice(string.ascii_letters + string.digits) + piece[at + 1:]
    return piece if rng.random() < 0.5 else piece.lower()


def _uuid(rng: random.Random) -> str:
    groups = [8, 4, 4, 4, 12]
    if rng.random() < 0.3:
        groups[rng.randrange(5)] -= 1
    text = "-".join("".join(rng.choice("0123456789abcdefABCDEF") for _ in range(n)) for n in groups)
    return rng.choice(["", "urn:uuid:", "x"]) + text + rng.choice(["", "}", "g"])


def _random_text(rng: random.Random, alphabet: str, longest: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))


def _secret(rng: random.Random, i: int) -> str:
    shape = i % 12
    if shape == 0:
        return rng.choice([fake_github_token(i), fake_aws_secret_key(i), fake_password(i)])
    if shape == 1:  # templates, whole or broken
        inner = _random_text(rng, string.ascii_letters + "_. ", 10)
        opening, closing = rng.choice([("{", "}"), ("{{", "}}"), ("${", "}"), ("<", ">"), ("$(", ")"), ("{", ">"),
                                       ("$", ""), ("", "}"), ("<", "")])
        return opening + inner + closing
    if shape == 2:
        return _sequence_piece(rng)
    if shape == 3:
        return _uuid(rng)
    if shape == 4:  # $VAR and friends
        return rng.choice(["$", "$$", "${", "$}", "$a", "a$"]) + _random_text(rng, string.ascii_uppercase + "_", 8)
    if shape == 5:  # punctuation and digits only, or one letter among them
        text = _random_text(rng, _PUNCT + string.digits + " ", 12)
        return text + rng.choice(["", "", rng.choice(string.ascii_letters), rng.choice(_TRICKY)])
    if shape == 6:
        return _random_text(rng, string.ascii_letters + string.digits + _TRICKY, 3)  # short, maybe empty
    if shape == 7:
        return _random_text(rng, string.printable + _TRICKY, 20)
    return _random_text(rng, string.ascii_letters + string.digits + "+/=_-", 32)


def _line(rng: random.Random, secret: str) -> str:
    name = rng.choice(["id", "ID", "myid", "userid", "userIds", "user_id", "client_ids", "_id", "idx", "identity",
                       "oid", "my_id2", "session_id\u017f", "\u0130d", "id\u212a", "password", "token", "api_key",
                       "paid", "grid_ids", ""])
    op = rng.choice(["=", " = ", ": ", ":=", " == ", "!=", "!== ", "=>", " ", "\t=\u2003", "", "="])
    quote = rng.choice(["", "'", '"', "`"])
    value = quote + secret + quote
    form = rng.randrange(9)
    if form == 0:
        return f"{name}{op}{value}"
    if form == 1:
        return f"    {name}{op}{value}  # comment"
    if form == 2:  # the value read from somewhere else: a call or an index
        call = rng.choice(["get_secret()", "os.getenv('X')", "os.environ['TOKEN']", "request.headers[\"k\"]",
                           "vault.read(path", "a-b.c(", "fn)", "cfg.get(\v)", "x[0"])
        return f"{name}{op}{call} or {value}"
    if form == 3:
        return f"{name}{op}{value}" + rng.choice(["", ")", "]", "(x)", "[1]", "\v)"])
    if form == 4:  # the value before its name: an id named after it is no id
        return f"{value} {name}{op}"
    if form == 5:
        return _random_text(rng, string.printable + _TRICKY, 60) + value
    if form == 6:
        return f"{{ {name}{op}{value} }}" * rng.randint(1, 3)
    if form == 7:  # on either side of the indirect-reference length cap (a filler without spaces:
        # detect-secrets' search is cubic in a long run of them)
        head = f"{name}{op}get(x)"
        return head + "x" * max(0, rng.choice([999, 1000, 1001, 1100]) - len(head) - len(value)) + value
    return value


def _cases(count: int) -> Iterator[tuple[str, str]]:
    rng = random.Random(20261202)
    for i in range(count):
        secret = _secret(rng, i)
        line = _line(rng, secret)
        if i % 17 == 0:  # a line that does not hold the value
            line = line.replace(secret, "?", 1) if secret else "x"
        yield secret, line


CASES = list(_cases(4000))


def _pairs() -> list[tuple[str, Callable[[str, str], bool], Callable[[str, str], bool]]]:
    ds = pytest.importorskip("detect_secrets.filters.heuristic")
    return [
        ("likely_id", f.is_likely_id, ds.is_likely_id_string),
        ("templated", lambda s, line: f.is_templated(s), lambda s, line: ds.is_templated_secret(s)),
        ("sequential", lambda s, line: f.is_sequential(s), lambda s, line: ds.is_sequential_string(s)),
        ("indirect_reference", lambda s, line: f.is_indirect_reference(line),
         lambda s, line: ds.is_indirect_reference(line)),
        ("uuid", lambda s, line: f.is_uuid(s), lambda s, line: ds.is_potential_uuid(s)),
        ("not_alphanumeric", lambda s, line: f.is_not_alphanumeric(s),
         lambda s, line: ds.is_not_alphanumeric_string(s)),
        ("dollar_prefixed", lambda s, line: f.is_dollar_prefixed(s),
         lambda s, line: ds.is_prefixed_with_dollar_sign(s)),
    ]


def test_every_heuristic_answers_as_detect_secrets_does_on_generated_values_and_lines():
    pairs = _pairs()
    assert {name for name, _, _ in pairs} == set(f.FILTERS)
    for name, ours, theirs in pairs:
        answers = []
        for secret, line in CASES:
            expected = bool(theirs(secret, line))
            assert ours(secret, line) is expected, (name, secret, line)
            answers.append(expected)
        # The cases exercise both answers of every heuristic, each many times.
        assert answers.count(True) >= 40 and answers.count(False) >= 40, (name, answers.count(True))


def test_lock_files_are_detect_secrets_lock_files():
    ds = pytest.importorskip("detect_secrets.filters.heuristic")
    names = ["Cargo.lock", "yarn.lock", "package-lock.json", "Pipfile.lock", "poetry.lock", "composer.lock",
             "Gemfile.lock", "Podfile.lock", "Package.resolved", "Cartfile.resolved", "Brewfile.lock.json",
             "packages.lock.json", "package.json", "go.sum", "uv.lock", "pnpm-lock.yaml", "Pipfile", "yarn.lock.bak",
             "YARN.LOCK", ".lock", "lock"]
    for name in names:
        assert f.is_lock_file(name) is ds.is_lock_file(name), name
    assert sum(map(f.is_lock_file, names)) == 12


def test_filters_give_detect_secrets_reasons_only_when_the_heuristic_holds():
    token = fake_github_token(7)
    id_reason = "looks like an id (detect-secrets is_likely_id_string)"
    assert f.FILTERS["likely_id"](token, f"user_id = {token}") == id_reason
    assert f.FILTERS["likely_id"](token, f"password = {token}") is None
    assert f.FILTERS["templated"]("${DB_PASSWORD}", "") == "templated value (detect-secrets is_templated_secret)"
    assert f.FILTERS["sequential"]("abcdefgh", "") == "sequential characters (detect-secrets is_sequential_string)"
    assert f.FILTERS["sequential"](token, "") is None
    assert f.FILTERS["indirect_reference"](token, "key = os.getenv('KEY')") is not None
    assert f.FILTERS["indirect_reference"](token, f"key = '{token}'") is None
    assert f.FILTERS["uuid"]("id-123e4567-e89b-12d3-a456-426614174000", "") is not None
    assert f.FILTERS["not_alphanumeric"]("********", "") is not None
    assert f.FILTERS["not_alphanumeric"]("***a****", "") is None
    assert f.FILTERS["dollar_prefixed"]("$SECRET", "") is not None
    assert f.FILTERS["dollar_prefixed"](token, "") is None


def test_a_tree_scan_imports_no_detect_secrets(tmp_path):
    # The heuristics and the lockfile names are leakscan's own so that a scan never pays detect-secrets' imports.
    (tmp_path / "settings.py").write_text(f'user_id = "{fake_password(3)}"\npassword = "{fake_password(4)}"\n')
    (tmp_path / "yarn.lock").write_text(f'token = "{fake_github_token(5)}"\n')
    code = (
        "import sys\n"
        "from leakscan.cli import main\n"
        f"sys.argv = ['leakscan', 'scan', {str(tmp_path)!r}, '--jobs', '1', '--format', 'json', '-o', 'out.json']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert not any(name.startswith('detect_secrets') for name in sys.modules), 'detect_secrets imported'\n"
    )
    # PYTHONPATH: this checkout, not a copy installed in site-packages
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    findings = json.loads((tmp_path / "out.json").read_text())["findings"]
    reasons = [reason for finding in findings for reason in finding["reasons"]]
    assert any("lockfile" in reason for reason in reasons), reasons  # the path heuristic ran
