"""A spec's relative `$ref`s stay inside the scanned root and read only regular files (issue 19.4, 19.5)."""
from __future__ import annotations

import os
import time

import pytest

from leakscan.pipeline.tree import scan_paths
from leakscan.sources.openapi import Node, RefResolver, load_document

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")
SCHEMA = "User:\n  type: object\n  properties:\n    ssn: {type: string}\n"


def _resolve(doc, pointer: str, refs: RefResolver):
    return refs.resolve(Node(doc, pointer, doc.get(pointer)))


def _layout(tmp_path):
    """repo/api/openapi.yaml refers to a schema inside the repo and to one outside it."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "private.yaml").write_text(SCHEMA)
    repo = tmp_path / "repo"
    (repo / "api").mkdir(parents=True)
    (repo / "common").mkdir()
    (repo / "common" / "user.yaml").write_text(SCHEMA)
    spec = repo / "api" / "openapi.yaml"
    spec.write_text("openapi: 3.0.0\n"
                    "inside: {$ref: '../common/user.yaml#/User'}\n"
                    "escape: {$ref: '../../outside/private.yaml#/User'}\n"
                    "deep: {$ref: '../../../../../../../../etc/passwd#/x'}\n")
    return repo, spec


def test_refs_resolve_inside_the_root_and_never_outside(tmp_path):
    repo, spec = _layout(tmp_path)
    doc = load_document(spec.read_text(), "api/openapi.yaml", str(spec), str(repo))
    refs = RefResolver(doc)
    assert _resolve(doc, "/inside", refs).doc.path == "common/user.yaml"
    assert _resolve(doc, "/escape", refs) is None
    assert _resolve(doc, "/deep", refs) is None
    assert [d.path for d in refs.documents] == ["api/openapi.yaml", "common/user.yaml"]
    assert refs.errors == [
        "$ref file '../../outside/private.yaml' (at /escape) is outside the scanned directory: not read",
        "$ref file '../../../../../../../../etc/passwd' (at /deep) is outside the scanned directory: not read",
    ]


def test_a_spec_named_alone_resolves_only_in_its_own_directory(tmp_path):
    _, spec = _layout(tmp_path)
    doc = load_document(spec.read_text(), "openapi.yaml", str(spec))  # no root: the spec's directory
    refs = RefResolver(doc)
    assert _resolve(doc, "/inside", refs) is None
    assert "'../common/user.yaml' (at /inside) is outside the scanned directory" in refs.errors[0]


def _operation(path: str, ref: str) -> str:
    return (f"  {path}:\n    get:\n      responses:\n        '200':\n          description: ok\n"
            f"          content:\n            application/json:\n              schema: {{$ref: '{ref}'}}\n")


def test_tree_scan_reports_escaping_refs_as_errors(tmp_path, engine):
    repo, spec = _layout(tmp_path)
    spec.write_text("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n"
                    + _operation("/inside", "../common/user.yaml#/User")
                    + _operation("/escape", "../../outside/private.yaml#/User"))
    report = scan_paths([str(repo)], engine)
    messages = [e.message for e in report.errors if e.path == "api/openapi.yaml"]
    assert sum("'../../outside/private.yaml'" in m and "outside the scanned directory" in m for m in messages) == 1
    paths = {f.location.path for f in report.findings}
    assert "common/user.yaml" in paths  # the same schema inside the root is read and reported
    assert not any("private" in p for p in paths)


@posix_only
def test_refs_to_a_fifo_or_dev_zero_are_refused_without_reading(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    (tmp_path / "big.yaml").write_text("x: " + "y" * 5000 + "\n")
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.0.0\na: {$ref: 'pipe.yaml#/A'}\nb: {$ref: 'zero.yaml#/A'}\nc: {$ref: 'big.yaml#/x'}\n")
    doc = load_document(spec.read_text(), "openapi.yaml", str(spec), str(tmp_path))
    refs = RefResolver(doc, max_file_size=1000)
    started = time.monotonic()
    assert [_resolve(doc, p, refs) for p in ("/a", "/c")] == [None, None]
    assert _resolve(doc, "/b", refs) is None  # /dev/zero is outside the root anyway
    assert time.monotonic() - started < 5
    assert refs.errors[0] == "cannot read $ref file 'pipe.yaml' (at /a): not a regular file (FIFO)"
    assert refs.errors[1] == "referenced file 'big.yaml' is over the size limit"
    assert "'zero.yaml' (at /b) is outside the scanned directory" in refs.errors[2]


@posix_only
def test_ref_through_a_link_inside_the_root_to_a_device_is_refused(tmp_path):
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "fifo").parent.mkdir(exist_ok=True)
    os.mkfifo(tmp_path / "dev" / "fifo")
    (tmp_path / "schema.yaml").symlink_to(tmp_path / "dev" / "fifo")
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.0.0\na: {$ref: 'schema.yaml#/A'}\n")
    doc = load_document(spec.read_text(), "openapi.yaml", str(spec), str(tmp_path))
    refs = RefResolver(doc)
    assert _resolve(doc, "/a", refs) is None
    assert refs.errors == ["cannot read $ref file 'schema.yaml' (at /a): not a regular file (FIFO)"]


@posix_only
def test_capture_spec_that_is_a_fifo_is_refused_not_waited_on(tmp_path):
    from leakscan.analyzers.capture import against_spec as spec_compare

    os.mkfifo(tmp_path / "spec.yaml")
    started = time.monotonic()
    index, error = spec_compare._load_file(str(tmp_path / "spec.yaml"), 0.0, 1000)
    assert index is None and error.endswith("not a regular file (FIFO)")
    assert time.monotonic() - started < 5
