from __future__ import annotations

import json

from leakscan.analyzers.published import published_document
from leakscan.config import Config
from leakscan.engine.context import Engine
from leakscan.pipeline.tree import scan_paths

PERSON = "dana.whitfield@corpmail.net"


def _bom(extra: dict) -> dict:
    return {**extra, "metadata": {"authors": [{"name": "Dana Whitfield", "email": PERSON}]},
            "components": [{"name": "lib", "supplier": {"contact": [{"email": "seth.larson@corpmail.net"}]}}]}


def test_sbom_author_emails_are_not_reported_but_a_response_is(tmp_path):
    sboms = tmp_path / "pkg-1.0.dist-info" / "sboms"
    sboms.mkdir(parents=True)
    (sboms / "pkg.cdx.json").write_text(json.dumps(_bom({"bomFormat": "CycloneDX", "specVersion": "1.6"}), indent=1))
    (tmp_path / "bom.json").write_text(json.dumps(_bom({"bomFormat": "CycloneDX"}), indent=1))
    (tmp_path / "sbom.spdx.json").write_text(json.dumps(_bom({"spdxVersion": "SPDX-2.3"}), indent=1))
    (tmp_path / "response.json").write_text(json.dumps(_bom({}), indent=1))  # same data, not an SBOM
    report = scan_paths([str(tmp_path)], Engine.build(Config(jobs=1)))
    paths = {f.location.path for f in report.findings if f.category == "pii"}
    assert paths == {"response.json"}


def test_sbom_emails_are_kept_below_the_threshold_with_the_reason(tmp_path):
    (tmp_path / "bom.json").write_text(json.dumps(_bom({"bomFormat": "CycloneDX"}), indent=1))
    report = scan_paths([str(tmp_path)], Engine.build(Config(jobs=1, min_confidence=0.0)))
    emails = [f for f in report.findings if f.rule_id.startswith("pii.email")]
    assert emails and all(f.confidence < 0.5 for f in emails)
    assert all("contact published in a CycloneDX SBOM: -0.50" in f.reasons for f in emails)


def test_published_document_kinds():
    assert published_document("x/bom.json", {"bomFormat": "CycloneDX"}) == "CycloneDX SBOM"
    assert published_document("package.json", {"name": "shop", "author": PERSON}) == "package manifest"
    assert published_document("api/users.json", {"name": "shop", "email": PERSON}) is None
    assert published_document("bom.json", [1, 2]) is None
