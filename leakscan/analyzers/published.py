"""Documents that publish contact data on purpose: SBOMs and package manifests.

An author's or supplier's email in a CycloneDX or SPDX SBOM, or in a
package.json, is published by its owner so that people can reach them; it is
not personal data leaking out of an API. PII found in such a document is
kept but lowered below the default threshold, with the reason said.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from leakscan.model import Adjustment, Candidate

PUBLISHED_CONTACT = -0.5  # a 0.70 keyed email lands at 0.20
_MANIFESTS = frozenset({"package.json", "composer.json", "bower.json", ".zenodo.json"})


def published_document(path: str, data: Any) -> str | None:
    """What kind of publishing document `data` is (by its structure), or None."""
    if not isinstance(data, dict):
        return None
    if data.get("bomFormat") == "CycloneDX":
        return "CycloneDX SBOM"
    if isinstance(data.get("spdxVersion"), str) and str(data["spdxVersion"]).startswith("SPDX-"):
        return "SPDX SBOM"
    if path.rsplit("/", 1)[-1] in _MANIFESTS and isinstance(data.get("name"), str):
        return "package manifest"
    return None


def lower_published_contacts(candidates: Iterable[Candidate], kind: str) -> tuple[Candidate, ...]:
    """PII candidates with the 'published contact' evidence added; others unchanged."""
    evidence = Adjustment(f"contact published in a {kind}", PUBLISHED_CONTACT)
    return tuple(replace(c, adjustments=c.adjustments + (evidence,)) if c.rule.category == "pii" else c
                 for c in candidates)
