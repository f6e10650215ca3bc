"""Response schemas that return sensitive properties unmasked.

Every response schema of every operation is walked through `$ref`s,
allOf/oneOf/anyOf, arrays, additional and nested properties; a property whose
name means SSN, card number, password, token... (fields.classify_field) and
whose schema shows no masking is reported once, where it is written, with the
responses that return it. Request bodies are never walked, so request-only
schemas are not reported; `writeOnly` properties and schemas are skipped.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from leakscan.analyzers.fields import FieldKind, classify_field, normalise, schema_says_masked
from leakscan.analyzers.fields import vocabulary as field_vocabulary
from leakscan.analyzers.spec.context import SpecContext, also_at
from leakscan.analyzers.spec.vocab import ResponseKind, vocabulary, words_of
from leakscan.analyzers.spec.walk import Operation, Response, member, response_schemas
from leakscan.engine.validators import VALIDATORS
from leakscan.model import Adjustment, Candidate
from leakscan.sources.openapi import Node
from leakscan.sources.pointer import join

IN_SUCCESS = 0.05
NO_MASK_HINT = 0.05
ISSUES_CREDENTIALS = -0.4
FULL_EXAMPLE = 0.1
CREDENTIAL_KINDS = ("secret", "token", "password")  # kinds an operation may hand out by design
# Which offline check shows an example value is a full, real-looking one.
EXAMPLE_VALIDATORS = {"card_number": "luhn", "ssn": "us_ssn", "iban": "iban"}
COMBINERS = ("allOf", "oneOf", "anyOf")
NOT_VALUES = frozenset({"boolean", "object", "null"})
# Kinds whose values are text: a number under their name is a count or a length.
TEXT_KINDS = frozenset({"password", "password_hash", "secret", "token", "passport", "driver_license", "iban"})
ONLY_IN_ERRORS = -0.35  # error bodies named after fields mostly carry validation messages
CREDENTIALS_OBJECT = -0.35


@dataclass(frozen=True)
class PropertyHit:
    node: Node  # the property's schema, where it is written (`.../properties/ssn`)
    name: str
    kind: FieldKind
    response_kind: ResponseKind
    example: Any


def detect(ctx: SpecContext) -> list[Candidate]:
    walker = SchemaWalker(ctx)
    returned: dict[tuple[str, str], tuple[PropertyHit, list[Response]]] = {}
    for response in ctx.responses:
        for schema in response_schemas(response, ctx.version):
            for hit in walker.hits(schema):
                entry = returned.setdefault(hit.node.key, (hit, []))
                if response not in entry[1]:
                    entry[1].append(response)
    found = (_candidate(ctx, hit, responses) for hit, responses in returned.values())
    return [c for c in found if c is not None]


def _candidate(ctx: SpecContext, hit: PropertyHit, responses: list[Response]) -> Candidate | None:
    credential = hit.kind.kind in CREDENTIAL_KINDS
    # The most telling response first: a success, of an operation not meant to hand out credentials.
    ranked = sorted(responses, key=lambda r: (r.is_error, credential and issues_credentials(r.operation)))
    first = ranked[0]
    reasons = [Adjustment(f"property {hit.name} in {first.label}", ONLY_IN_ERRORS if first.is_error else IN_SUCCESS),
               Adjustment("no masking hint", NO_MASK_HINT)]
    if credential and issues_credentials(first.operation):
        reasons.append(Adjustment(f"{first.operation.label} hands out credentials by design", ISSUES_CREDENTIALS))
    elif credential and first.operation.method != "get" and "credential" in hit.node.pointer.lower():
        reasons.append(Adjustment("part of a credentials object handed out by design", CREDENTIALS_OBJECT))
    check = EXAMPLE_VALIDATORS.get(hit.kind.kind)
    if check and isinstance(hit.example, (str, int)) and VALIDATORS[check](str(hit.example)) is True:
        reasons.append(Adjustment(f"example is a full {hit.kind.label}", FULL_EXAMPLE))
    return ctx.structural(hit.response_kind.rule_id, hit.node, hit.response_kind.sample, reasons,
                          also_at([r.label for r in ranked[1:]]))


def issues_credentials(op: Operation) -> bool:
    """Log-in, token and key-creation operations return credentials on purpose."""
    vocab = vocabulary()
    words = words_of(op.path) | words_of(op.operation_id)
    if words & vocab.auth_flow_operations:
        return True
    return op.method in ("post", "put", "patch") and bool(words & vocab.credential_operations)


class SchemaWalker:
    """Sensitive properties reachable from a schema, memoised per schema node."""

    def __init__(self, ctx: SpecContext) -> None:
        self.ctx = ctx
        self.memo: dict[tuple[str, str], list[PropertyHit]] = {}
        self.open: set[tuple[str, str]] = set()

    def hits(self, node: Node) -> list[PropertyHit]:
        resolved = self.ctx.refs.resolve(node)
        if resolved is None or not isinstance(resolved.value, dict):
            return []
        key = resolved.key
        if key in self.memo:
            return self.memo[key]
        if key in self.open:  # a recursive schema: its properties are collected where the walk entered
            return []
        self.open.add(key)
        found = [] if resolved.value.get("writeOnly") is True else self._walk(resolved)
        self.open.discard(key)
        self.memo[key] = found
        return found

    def _walk(self, schema: Node) -> list[PropertyHit]:
        value = schema.value
        found: list[PropertyHit] = []
        for combiner in COMBINERS:
            for index in range(len(value[combiner]) if isinstance(value.get(combiner), list) else 0):
                found.extend(self.hits(member(schema, combiner, index)))
        for table in ("properties", "patternProperties"):
            props = value.get(table)
            for name, body in props.items() if isinstance(props, dict) else ():
                sensitive = table == "properties" and _classify(str(name)) is not None
                if not (sensitive or _may_nest(body)):
                    continue  # most properties: a plain value of no sensitive kind
                prop = Node(schema.doc, join(schema.pointer, table, name), body)
                hit = self._check(str(name), prop) if sensitive else None
                if hit:
                    found.append(hit)
                if _may_nest(body):
                    found.extend(self.hits(prop))
        for key in ("items", "additionalProperties"):
            if isinstance(value.get(key), dict):
                found.extend(self.hits(member(schema, key)))
        if isinstance(value.get("prefixItems"), list):
            for index in range(len(value["prefixItems"])):
                found.extend(self.hits(member(schema, "prefixItems", index)))
        return found

    def _check(self, name: str, prop: Node) -> PropertyHit | None:
        vocab = vocabulary()
        kind = _classify(name)
        response_kind = vocab.response_kinds.get(kind.kind) if kind else None
        word = value_word(normalise(name), kind) if kind else None
        if kind is None or response_kind is None or word is None or not isinstance(prop.value, dict) \
                or word in vocab.public_identifiers:
            return None
        resolved = self.ctx.refs.resolve(prop)
        target = resolved.value if resolved is not None and isinstance(resolved.value, dict) else {}
        schema = {**target, **prop.value}
        if _masked(kind, prop.value, target) or not self._holds_a_value(schema, kind, resolved or prop):
            return None
        text = " ".join(str(schema.get(k, "")) for k in ("description", "title"))
        where = _pointer_words(prop.pointer.rsplit("/", 1)[0])  # the schemas around it, not its own name
        if vocab.reference_words.search(text):
            return None  # "the ARN of the key", "identifier of the session": a reference, not the value
        if response_kind.not_words and response_kind.not_words.search(f"{text} {where}"):
            return None
        if word in vocab.ambiguous_properties and not response_kind.words.search(f"{text} {where}"):
            return None
        return PropertyHit(prop, name, kind, response_kind, schema.get("example"))

    def _holds_a_value(self, schema: dict[str, Any], kind: FieldKind, node: Node) -> bool:
        """Flags, nested objects, counts of text kinds and fixed choices cannot carry the value itself."""
        kinds = _types(schema)
        if kinds and kinds <= NOT_VALUES:
            return False
        if kind.kind in TEXT_KINDS and kinds and kinds <= {"integer", "number", "boolean", "null"}:
            return False  # `passwordMinLength: integer`, `maxTokenAge: number`
        if "properties" in schema or "enum" in schema or "const" in schema:
            return False
        if "array" in kinds:
            items_node = node.child("items")
            resolved = self.ctx.refs.resolve(items_node) if items_node is not None else None
            items = resolved.value if resolved is not None else schema.get("items")
            return isinstance(items, dict) and _types(items) <= {"string", "integer"} and "properties" not in items
        return True


@functools.lru_cache(maxsize=4096)
def _classify(name: str) -> FieldKind | None:
    return classify_field(name)  # big specs repeat the same property names thousands of times


NESTING = ("$ref", "properties", "items", "allOf", "oneOf", "anyOf", "additionalProperties", "patternProperties",
           "prefixItems")


def _may_nest(schema: object) -> bool:
    """Only a schema with one of these can hold further properties: the rest is not walked."""
    return isinstance(schema, dict) and any(key in schema for key in NESTING)


def value_word(norm: str, kind: FieldKind) -> str | None:
    """The kind's word a name ends with, when the name names the value itself.

    `adminPassword`, `passwordValue` → "password"; `passwordPolicy`,
    `cardNumberLength`, `encryptionKeyId` → None: they name something about it."""
    suffixes = vocabulary().value_suffixes
    matches = [(len(word + suffix), len(word), word) for word in _kind_words(kind.kind) for suffix in suffixes
               if norm.endswith(word + suffix)]
    return max(matches)[2] if matches else None  # the reading that explains most of the name


@functools.cache
def _kind_words(kind: str) -> tuple[str, ...]:
    fields = field_vocabulary()
    words = {name for name, name_kind in fields.names.items() if name_kind == kind}
    words |= {fragment for fragment, fragment_kind in fields.contains if fragment_kind == kind}
    return tuple(sorted(words))


def _masked(kind: FieldKind, *schemas: dict[str, Any]) -> bool:
    for schema in schemas:
        why = schema_says_masked(schema)
        # "hashed" masks most values but is what a password hash is, not a mask on it.
        if why and not (kind.kind == "password_hash" and "hash" in why):
            return True
    return False


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    return {str(k) for k in kind} if isinstance(kind, list) else ({str(kind)} if kind else set())


def _pointer_words(pointer: str) -> str:
    """`/definitions/BankAccount/properties/iban` → "definitions Bank Account properties iban"."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|[/_~\-.]+", " ", pointer)
