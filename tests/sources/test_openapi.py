from __future__ import annotations

import json

import pytest

from leakscan.sources.openapi import Node, RefResolver, SpecLoadError, load_document, looks_like_spec


@pytest.mark.parametrize("path, text", [
    ("api.yaml", "openapi: 3.0.3\ninfo: {}\n"),
    ("api.yml", "# comment first\nswagger: '2.0'\n"),
    ("contract.txt", 'openapi: "3.1.0"\npaths: {}\n'),
    ("api.json", '{"swagger": "2.0", "info": {}}'),
    ("no-extension", '{\n  "info": {"title": "x"},\n  "openapi": "3.0.0"\n}'),
])
def test_recognised_by_content_whatever_the_name(path, text):
    assert looks_like_spec(path, text)


@pytest.mark.parametrize("path, text", [
    ("README.md", "We publish an OpenAPI document; see openapi: below.\n  openapi: 3.0.0\n"),
    ("config.yaml", "service:\n  openapi: 3.0.0\n"),  # not top level
    ("notes.txt", "swagger is nice"),
    ("x.json", '{"note": "the \\"openapi\\": \\"3.0.0\\" key"}'),  # inside a string
])
def test_not_recognised(path, text):
    assert not looks_like_spec(path, text)


def test_json_and_yaml_load_to_the_same_data_with_versions():
    spec = {"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    as_json = load_document(json.dumps(spec, indent=2), "a.json")
    as_yaml = load_document("openapi: 3.1.0\npaths:\n  /a:\n    get:\n      responses:\n"
                            "        200: {description: ok}\n",
                            "a.yaml")
    assert as_json.data == as_yaml.data == spec
    assert (as_json.syntax, as_yaml.syntax, as_json.version) == ("json", "yaml", "3.1")
    assert load_document('swagger: "2.0"\n', "s.yaml").version == "2.0"
    assert as_json.positions.locate("/paths/~1a/get").line == as_yaml.positions.locate("/paths/~1a/get").line + 1


def test_truncated_json_is_a_load_error_with_a_place():
    with pytest.raises(SpecLoadError, match=r"invalid JSON at line \d+ column \d+"):
        load_document('{"openapi": "3.0.0", "info": {"title": "cut', "a.json")


def test_json_looking_yaml_is_retried_as_yaml():
    doc = load_document("{openapi: 3.0.0, paths: {}}", "flow.yaml")
    assert doc.syntax == "yaml" and doc.version == "3.0"


def node(doc, pointer):
    return Node(doc, pointer, doc.get(pointer))


def test_local_refs_resolve_through_chains():
    doc = load_document("openapi: 3.0.0\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n"
                        "    B: {type: object}\n", "a.yaml")
    refs = RefResolver(doc)
    target = refs.resolve(node(doc, "/components/schemas/A"))
    assert target.pointer == "/components/schemas/B" and target.value == {"type": "object"}
    assert refs.errors == []


def test_a_ref_cycle_is_an_error_reported_once():
    doc = load_document("openapi: 3.0.0\nx:\n  A: {$ref: '#/x/B'}\n  B: {$ref: '#/x/A'}\n", "a.yaml")
    refs = RefResolver(doc)
    assert refs.resolve(node(doc, "/x/A")) is None
    assert refs.resolve(node(doc, "/x/B")) is None
    assert len(refs.errors) == 1 and refs.errors[0].startswith("$ref cycle: #/x/A → #/x/B → #/x/A")


def test_missing_targets_and_remote_refs():
    doc = load_document("openapi: 3.0.0\nx:\n  A: {$ref: '#/nowhere'}\n  R: {$ref: 'https://example.com/s.yaml#/X'}\n",
                        "a.yaml")
    refs = RefResolver(doc)
    assert refs.resolve(node(doc, "/x/A")) is None
    assert refs.resolve(node(doc, "/x/R")) is None  # never fetched, not an error either
    assert refs.errors == ["unresolved $ref '#/nowhere' at /x/A"]


def test_relative_file_refs_load_once_with_their_own_paths(tmp_path):
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "user.yaml").write_text("User:\n  type: object\n  properties:\n    ssn: {type: string}\n")
    main = tmp_path / "api.yaml"
    main.write_text("openapi: 3.0.0\nx: {$ref: 'schemas/user.yaml#/User'}\ny: {$ref: './schemas/user.yaml#/User'}\n")
    doc = load_document(main.read_text(), "svc/api.yaml", str(main))
    refs = RefResolver(doc)
    first, second = refs.resolve(node(doc, "/x")), refs.resolve(node(doc, "/y"))
    assert first.doc is second.doc  # one load per file
    assert first.doc.path == "svc/schemas/user.yaml" and first.pointer == "/User"
    assert first.doc.positions.locate("/User/properties/ssn").line == 4


def test_file_refs_need_a_file_on_disk_and_report_missing_ones(tmp_path):
    main = tmp_path / "api.yaml"
    main.write_text("openapi: 3.0.0\nx: {$ref: 'gone.yaml#/A'}\n")
    on_disk = load_document(main.read_text(), "api.yaml", str(main))
    refs = RefResolver(on_disk)
    assert refs.resolve(node(on_disk, "/x")) is None
    assert "cannot read $ref file 'gone.yaml'" in refs.errors[0]
    from_stdin = load_document(main.read_text(), "-")
    refs = RefResolver(from_stdin)
    assert refs.resolve(node(from_stdin, "/x")) is None and refs.errors == []
