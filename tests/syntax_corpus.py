"""A labelled corpus of one secret per file in many assignment syntaxes, and how a scan is judged on it.

Each rule example's secret (taken with the rule's own pattern group) is
rendered in every template of tests/fixtures/syntax_templates.yaml under a key
name built from the rule id; tests/fixtures/syntax_negatives.yaml gives values
and prose that must not be reported. bench/syntax_accuracy.py prints the
figures; tests/engine/test_syntax_accuracy.py asserts them on a subset.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import regex
import yaml

from leakscan.engine.context import Engine
from leakscan.model import Chunk, Finding, Origin, Rule
from leakscan.pipeline.findings import scan_chunk
from leakscan.rules.loader import PATTERN_FLAGS

FIXTURES = Path(__file__).parent / "fixtures"
COUNTED = ("secret", "url-token")
# Words of a rule id that say nothing about the credential's name.
_ID_NOISE = {"generic", "quoted", "env", "config", "prefixed", "legacy", "new", "old", "live", "test",
             "v1", "v2", "v3", "context", "assignment", "uri", "url", "classic", "fine", "grained",
             "setting", "websocket", "rest"}
_CREDENTIAL_WORDS = ("key", "token", "secret", "password", "pass", "pwd", "credential", "auth", "pat", "dsn")
# Words of a rule id that say the credential is a password (its key is then `..._password`).
_PASSWORD_WORDS = {"password", "pass", "passwd", "pwd", "credential", "credentials", "auth", "basic", "login",
                   "comparison", "prose", "sasl", "jaas", "viserver", "flag"}
_VALUE_LIKE = re.compile(r"[!#-&(-~]+")  # printable ASCII without space, quotes
ENCODING_MARK = "base64:"  # written in front of a key's value, part of what is pasted


@dataclass(frozen=True)
class Template:
    id: str
    family: str
    path: str
    text: str


@dataclass(frozen=True)
class Sample:
    """One generated file: `value` is the secret it holds ('' for a negative)."""
    template: Template
    category: str  # the rule's pack (file stem) for positives, "negative" otherwise
    rule_id: str
    value: str
    text: str


def templates() -> list[Template]:
    raw = yaml.safe_load((FIXTURES / "syntax_templates.yaml").read_text(encoding="utf-8"))
    return [Template(**item) for item in raw]


def key_words(rule_id: str) -> list[str]:
    """The name a user would give the credential, from the rule id: `stripe.secret-key.live` →
    [stripe, secret, key] (cut after the last credential word); a password-like rule
    (`files.gradle.credentials`) → [gradle, password]; `token` is added when no word names one."""
    words = [w for w in re.split(r"[.\-_]", rule_id.lower()) if w and w not in _ID_NOISE and not w.isdigit()]
    if any(w in _PASSWORD_WORDS for w in words):
        return [w for w in words if w not in _PASSWORD_WORDS and not w.startswith(_CREDENTIAL_WORDS)][:2] + ["password"]
    last = max((i for i, w in enumerate(words) if w.startswith(_CREDENTIAL_WORDS)), default=-1)
    return words[:last + 1][-4:] if last >= 0 else [*words[:3], "token"]


def render(template: Template, words: list[str], value: str) -> str:
    names = {
        "{UPPER}": "_".join(words).upper(),
        "{snake}": "_".join(words),
        "{camel}": words[0] + "".join(w.capitalize() for w in words[1:]),
        "{Pascal}": "".join(w.capitalize() for w in words),
        "{kebab}": "-".join(words),
        "{dotted}": ".".join(words),
    }
    text = template.text
    for placeholder, name in names.items():
        text = text.replace(placeholder, name)
    return text.replace("{json_value}", json_escaped(value)).replace("{value}", value)


def json_escaped(value: str) -> str:
    """The value as a JSON writer may escape it: `\\/` for slashes, else its last character as `\\u00xx`."""
    if "/" in value:
        return value.replace("/", "\\/")
    return value[:-1] + f"\\u{ord(value[-1]):04x}"


def example_value(rule: Rule, example: str) -> str | None:
    """The credential as a user would paste it: the whole match when it is one bare value
    (a prefixed token, a connection URI), else the rule's secret group; None when it
    cannot stand in a one-line assignment (spaces, quotes, several lines)."""
    compiled = regex.compile(rule.pattern or "", PATTERN_FLAGS)
    match = compiled.search(example)
    if match is None:
        return None
    group: int | str = "secret" if "secret" in compiled.groupindex else 1
    secret = match.group(group) if compiled.groups else match.group(0)
    start = match.start(group) if compiled.groups else match.start()
    if example[max(0, start - len(ENCODING_MARK)):start] == ENCODING_MARK:
        secret = ENCODING_MARK + secret  # Laravel's `base64:` key: users paste the marker with the key
    whole = match.group(0).strip("\"'`,;:=()[]{}<> \t")
    for value in (whole, secret):
        if value and secret in value and _VALUE_LIKE.fullmatch(value) and "\\" not in value and len(value) <= 200:
            return value
    return None


def positives(rules: Iterable[Rule], per_rule: int | None = None) -> Iterator[Sample]:
    all_templates = templates()
    for rule in rules:
        if rule.category not in COUNTED or not rule.pattern or rule.paths:
            continue
        values = [v for v in (example_value(rule, e) for e in rule.examples) if v]
        pack = Path(rule.source_file).stem or rule.id.split(".")[0]
        words = key_words(rule.id)
        for value in dict.fromkeys(values).keys() if per_rule is None else list(dict.fromkeys(values))[:per_rule]:
            for template in all_templates:
                yield Sample(template, pack, rule.id, value, render(template, words, value))


def negatives() -> Iterator[Sample]:
    raw = yaml.safe_load((FIXTURES / "syntax_negatives.yaml").read_text(encoding="utf-8"))
    for template in templates():
        for key in raw["key_words"]:
            for value in raw["values"]:
                yield Sample(template, "negative", "", "", render(template, key.split(), value))
    for item in raw["prose"]:
        yield Sample(Template("prose", "prose", item["path"], item["text"]), "negative", "", "", item["text"])


def reported(sample: Sample, engine: Engine) -> bool:
    """A positive is found when a counted finding holds its secret (or a part of it:
    a URI's password); a negative is flagged by any counted finding."""
    findings, _ = scan_chunk(Chunk(sample.text, Origin(kind="file", path=sample.template.path)), engine)
    return any(_counts(f, sample.value) for f in findings)


def _counts(finding: Finding, value: str) -> bool:
    if finding.category not in COUNTED:
        return False
    return not value or (bool(finding.secret) and (finding.secret in value or value in finding.secret))
