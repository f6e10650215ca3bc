"""Archives and compressed files read in memory: members as bytes with their layers.

A container is recognised by its content (magic bytes): zip family (jar, war,
whl, apk, nupkg, docx, vsix...), tar, gzip, bzip2 and xz. Members are never
written to disk; every limit (sizes, ratio, depth, member count) is explicit
in `ArchiveLimits` and reported as an error entry when hit.
"""
from __future__ import annotations

from leakscan.sources.containers.magic import container_kind
from leakscan.sources.containers.notebook import notebook_members
from leakscan.sources.containers.walk import Member, read_members

__all__ = ["Member", "container_kind", "notebook_members", "read_members"]
