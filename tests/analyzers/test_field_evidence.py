from __future__ import annotations

import json

import pytest

from leakscan.analyzers.capture.field_evidence import key_kind, looks_masked
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk


@pytest.mark.parametrize("value", ["***-**-6789", "**** **** **** 4242", "j***@example.com", "[REDACTED]", "[FILTERED]",
                                   "XXX-XX-1845", "•••• 4242", "<redacted>", "[REDACTED:sha256:0123456789ab]", "n/a"])
def test_masked_values(value):
    assert looks_masked(value)


@pytest.mark.parametrize("value", ["536-22-1845", "X45821937", "dana@corpmail.net", "Tr0ub4dor&3"])
def test_unmasked_values(value):
    assert not looks_masked(value)


def test_key_kind_reads_the_parent_key():
    assert key_kind("number", "card").kind == "card_number"
    assert key_kind("number", "order") is None
    assert key_kind("card_last4") is None  # a masking hint in the name


def _fields(engine, doc):
    findings = scan_chunk(Chunk(json.dumps(doc), Origin(kind="file", path="r.json")), engine)[0]
    return [(f.rule_id, f.location.pointer) for f in findings]


def test_national_ids_are_checked_by_scheme(engine):
    assert _fields(engine, {"cpf": "390.533.447-05"}) == [("field.national-id", "/cpf")]
    assert _fields(engine, {"cpf": "390.533.447-06"}) == []  # check digits fail (python-stdnum)


def test_geolocation_needs_precision(engine):
    assert _fields(engine, {"user": {"lat": 48.858370, "lng": 2.29}}) == [("field.geolocation", "/user/lat")]


def test_geolocation_is_personal_only_under_a_person_key(engine):
    assert _fields(engine, {"customer": {"latitude": 52.520008}}) == [("field.geolocation", "/customer/latitude")]
    assert _fields(engine, {"driver": {"last_position": {"lng": 13.404954}}}) == [
        ("field.geolocation", "/driver/last_position/lng")]
    assert _fields(engine, {"store": {"lat": 48.858370}, "map": {"center": {"lat": 48.858370}}}) == []


def test_secret_fields_leave_placeholders_alone(engine):
    assert _fields(engine, {"password": "changeme", "client_secret": "${CLIENT_SECRET}", "token": "<token>"}) == []
    assert [c for c, _ in _categories(engine, {"password": "9nhFyJfm%5di4P"})] == ["secret"]
    # The analyzer on its own, whatever the generic rule packs say about the same value:
    no_generic = Engine.build(Config(jobs=1, disabled_rules=tuple(r.id for r in engine.rules if r.is_generic)))
    assert _fields(no_generic, {"password": "9nhFyJfm%5di4P"}) == [("field.password", "/password")]


def _categories(engine, doc):
    findings = scan_chunk(Chunk(json.dumps(doc), Origin(kind="file", path="r.json")), engine)[0]
    return [(f.category, f.location.pointer) for f in findings]
