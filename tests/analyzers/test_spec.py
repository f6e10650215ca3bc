"""The OpenAPI scanner end to end, on the labelled fixtures in tests/fixtures/specs."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from leakscan.analyzers.registry import document_scanner_for
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.model import Chunk, Origin
from leakscan.pipeline.findings import scan_chunk
from leakscan.pipeline.tree import scan_paths
from leakscan.reporters.json_report import report_dict

from ..conftest import FIXTURES, fake_github_token

SPECS = FIXTURES / "specs"
LABELS = yaml.safe_load((SPECS / "labels.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report(engine):
    return scan_paths([str(SPECS)], engine)


def loaded(engine: Engine, category: str) -> bool:
    return any(r.category == category and r.pattern for r in engine.rules)


def label_id(label: dict) -> str:
    return f"{label['file']}:{label['line']}:{label['rule']}"


@pytest.mark.parametrize("label", LABELS["findings"], ids=label_id)
def test_every_labelled_finding_with_category_pointer_and_line(label, report, engine):
    if label.get("needs") and not loaded(engine, label["needs"]):
        pytest.skip(f"no {label['needs']} rules loaded")
    wanted = [f for f in report.findings
              if f.location.path == label["file"] and f.location.pointer == label["pointer"]
              and label["rule"] in (f.rule_id, f.category)]
    assert wanted, f"not reported: {label}"
    (finding,) = wanted
    assert finding.location.line == label["line"]
    if "." not in label["rule"]:
        assert finding.category == label["rule"]


def test_nothing_unlabelled_is_reported(report):
    labelled = {(lab["file"], lab["pointer"]) for lab in LABELS["findings"]}
    extra = [f"{f.location.path}:{f.location.line} {f.rule_id} {f.location.pointer}"
             for f in report.findings if (f.location.path, f.location.pointer) not in labelled]
    assert extra == []


def test_named_negatives_are_clean(report):
    assert [f for f in report.findings if f.location.path.startswith("negatives/")] == []


@pytest.mark.parametrize("error", LABELS["errors"], ids=lambda e: e["file"])
def test_broken_documents_are_errors(error, report):
    assert any(e.path == error["file"] and error["message"] in e.message for e in report.errors), report.errors


def test_broken_documents_do_not_stop_the_others(tmp_path, engine):
    for name in ("broken/alias-bomb.yaml", "broken/ref-cycle.yaml", "broken/truncated.json", "v30/shop.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SPECS / name, tmp_path / name)
    result = scan_paths([str(tmp_path)], Engine.build(Config(jobs=2)))
    assert {e.path for e in result.errors} == {"broken/alias-bomb.yaml", "broken/ref-cycle.yaml",
                                               "broken/truncated.json"}
    assert len([f for f in result.findings if f.location.path == "v30/shop.yaml"]) >= 10
    # the rest of that spec still counts
    assert any(f.location.path == "broken/ref-cycle.yaml" for f in result.findings)


def test_alias_bomb_is_refused_without_expanding(engine):
    # A billion nodes if expanded; refused from the composed graph (bench/specs.py times it).
    text = (SPECS / "broken" / "alias-bomb.yaml").read_text()
    found, errors = scan_chunk(Chunk(text, Origin(kind="file", path="bomb.yaml")), engine)
    assert found == []
    (error,) = errors
    assert "aliases expand to more than 1000000 nodes" in error.message and error.path == "bomb.yaml"


def test_pii_finding_explains_itself_and_names_the_mask(report):
    (ssn,) = [f for f in report.findings if f.rule_id == "openapi.response.ssn" and f.location.path == "v30/shop.yaml"]
    assert "property ssn in 200 response of GET /users/{id}: +0.05" in ssn.reasons
    assert "no masking hint: +0.05" in ssn.reasons
    assert ssn.masked == "***-**-6789"
    assert "***-**-6789" in ssn.suggestion.text
    assert "/components/schemas/User/properties/ssn" in ssn.suggestion.text
    (dob,) = [f for f in report.findings if f.rule_id == "openapi.response.date-of-birth"
              and f.location.path == "v30/shop.yaml"]
    assert dob.masked == "1990-**-**"  # year only


def test_no_secret_is_printed(report):
    text = json.dumps(report_dict(report))
    for seed in range(401, 405):
        assert fake_github_token(seed) not in text
    assert "Pq8vX2mKw7Lz4R" not in text  # the password in a server URL


def test_odd_names_are_recognised_by_content():
    text = (SPECS / "oddly-named" / "payments.contract").read_text()
    assert document_scanner_for("oddly-named/payments.contract", text).name == "openapi"


def test_a_nested_openapi_key_is_an_ordinary_file(engine):
    token = fake_github_token(77)
    text = json.dumps({"log": {"embedded": {"openapi": "3.0.0"}, "note": f"token {token}"}}, indent=2)
    found, errors = scan_chunk(Chunk(text, Origin(kind="file", path="capture.json")), engine)
    assert errors == []
    assert [(f.rule_id, f.location.pointer, f.location.line) for f in found] == [("github.pat.classic", None, 6)]


def test_a_disabled_rule_stays_quiet():
    engine = Engine.build(Config(jobs=1, disabled_rules=("openapi.response.ssn",)))
    result = scan_paths([str(SPECS / "v20" / "legacy.yaml")], engine)
    assert "openapi.response.ssn" not in {f.rule_id for f in result.findings}
    assert "openapi.response.cvv" in {f.rule_id for f in result.findings}


def test_the_same_spec_gives_the_same_findings(engine):
    first = scan_paths([str(SPECS / "v30")], engine)
    second = scan_paths([str(SPECS / "v30")], engine)
    assert [f.fingerprint for f in first.findings] == [f.fingerprint for f in second.findings]
    assert len({f.fingerprint for f in first.findings}) == len(first.findings)


def test_fixture_labels_match_the_generator():
    # labels.yaml is written by tests/fixtures/make_spec_fixtures.py; the fixtures must not drift from it.
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_spec_fixtures", FIXTURES / "make_spec_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, text in module.FILES.items():
        assert (SPECS / name).read_text(encoding="utf-8") == text, name
    assert len(module.LABELS) == len(LABELS["findings"])
