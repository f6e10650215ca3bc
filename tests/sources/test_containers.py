"""sources/containers: archives read in memory, layers named, every limit reported."""
from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import tarfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from leakscan.config import ArchiveLimits
from leakscan.model import ScanError
from leakscan.sources.containers import Member, container_kind, notebook_members, read_members


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def tar_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


DEFAULT_LIMITS = ArchiveLimits()


def members(data: bytes, path: str, limits: ArchiveLimits = DEFAULT_LIMITS) -> tuple[list[Member], list[ScanError]]:
    found = list(read_members(data, path, limits))
    return [m for m in found if isinstance(m, Member)], [e for e in found if isinstance(e, ScanError)]


def test_kinds_are_recognised_by_content_not_name() -> None:
    tar = tar_bytes({"a.txt": b"x"})
    assert container_kind(zip_bytes({"a": b"x"}), "noext") == "zip"
    assert container_kind(tar, "noext") == "tar"
    assert container_kind(gzip.compress(b"x"), "x.txt") == "gzip"
    assert container_kind(bz2.compress(b"x")) == "bz2"
    assert container_kind(lzma.compress(b"x")) == "xz"
    assert container_kind(b"PK is a plain sentence", "x.zip") is None
    assert container_kind(b"plain text\n" * 100, "x.tar") is None


def test_zip_members_carry_full_path_and_layer() -> None:
    found, errors = members(zip_bytes({"BOOT-INF/a.properties": b"k=v\n", "dir/": b""}), "dist/app.jar")
    assert errors == []
    assert found == [Member("dist/app.jar!/BOOT-INF/a.properties", ("zip",), b"k=v\n")]


def test_tar_gz_is_one_level_with_two_layers() -> None:
    found, _ = members(gzip.compress(tar_bytes({"app/.env": b"A=1\n"})), "b.tar.gz")
    assert found == [Member("b.tar.gz!/app/.env", ("gzip", "tar"), b"A=1\n")]


@pytest.mark.parametrize(("compress", "kind"), [(gzip.compress, "gzip"), (bz2.compress, "bz2"), (lzma.compress, "xz")])
def test_compressed_file_names_its_content(compress, kind: str) -> None:
    found, _ = members(compress(b'{"log": {}}'), f"logs/x.har.{ {'gzip': 'gz'}.get(kind, kind)}")
    assert [(m.path, m.layers, m.data) for m in found] == [
        (f"logs/x.har.{ {'gzip': 'gz'}.get(kind, kind)}!/x.har", (kind,), b'{"log": {}}')]


def test_nested_archives_repeat_the_separator() -> None:
    inner = zip_bytes({"conf/.env": b"A=1\n"})
    found, _ = members(zip_bytes({"lib/inner.jar": inner}), "outer.war")
    assert found == [Member("outer.war!/lib/inner.jar!/conf/.env", ("zip", "zip"), b"A=1\n")]


def test_depth_limit_is_reported() -> None:
    data = b"A=1\n"
    for level in range(5):
        data = zip_bytes({f"l{level}.zip" if level else "deep.env": data})
    found, errors = members(data, "top.zip", ArchiveLimits(max_depth=3))
    assert found == []
    assert len(errors) == 1 and "max_depth" in errors[0].message
    assert errors[0].path == "top.zip!/l4.zip!/l3.zip!/l2.zip"
    found, errors = members(data, "top.zip", ArchiveLimits(max_depth=5))
    assert errors == [] and found[0].path.endswith("!/deep.env")


def test_path_traversal_names_are_reported_not_read(tmp_path: Path) -> None:
    names = ["../escape.env", "/etc/abs.env", "C:\\win.env", "ok/../../up.env"]
    found, errors = members(zip_bytes({**{n: b"A=1\n" for n in names}, "fine.env": b"B=2\n"}), "a.zip")
    assert [m.path for m in found] == ["a.zip!/fine.env"]
    assert len(errors) == len(names) and all("path traversal" in e.message for e in errors)
    assert not list(tmp_path.parent.glob("*.env"))  # nothing was written anywhere


def test_member_size_and_count_limits() -> None:
    data = zip_bytes({f"m{i}.txt": b"y" * 100 for i in range(5)})
    found, errors = members(data, "a.zip", ArchiveLimits(max_members=3))
    assert len(found) == 3 and len(errors) == 1 and "max_members" in errors[0].message
    found, errors = members(data, "a.zip", ArchiveLimits(max_member_size=50))
    assert found == [] and len(errors) == 5 and all("max_member_size" in e.message for e in errors)


def test_total_size_limit_stops_the_file() -> None:
    data = tar_bytes({f"m{i}.txt": b"z" * 1000 for i in range(10)})
    found, errors = members(data, "a.tar", ArchiveLimits(max_total_size=3500))
    assert len(found) == 3
    assert [e.message for e in errors] == [
        "not read: over 3500 uncompressed bytes in this file (archive_limits.max_total_size)"]


def test_gzip_bomb_is_refused_by_ratio() -> None:
    bomb = gzip.compress(b"\0" * (40 << 20), 9)
    tracemalloc.start()
    try:
        found, errors = members(bomb, "dump.sql.gz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found == [] and len(errors) == 1 and "max_ratio" in errors[0].message
    assert peak < 2 * 200 * len(bomb) + (4 << 20)  # stopped at the ratio cap, not at 40 MB


def test_nested_zip_bomb_is_refused_quickly_with_bounded_memory() -> None:
    layer = zip_bytes({"zeros.bin": b"\0" * (64 << 20)})
    for _ in range(2):
        layer = zip_bytes({f"part{i}.zip": layer for i in range(16)}, zipfile.ZIP_STORED)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        found, errors = members(layer, "bomb.zip")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 10
    assert peak < 8 * len(layer) + (4 << 20)
    assert found == []
    assert len(errors) == 16 * 16 and all("max_ratio" in e.message for e in errors)


def test_broken_archives_are_errors() -> None:
    good = zip_bytes({"a.txt": b"hello"})
    found, errors = members(good[:40], "cut.zip")
    assert found == [] and len(errors) == 1 and "broken zip" in errors[0].message
    found, errors = members(gzip.compress(b"hello world" * 50)[:30], "cut.gz")
    assert found == [] and "broken gzip" in errors[0].message


def test_notebook_members_v3_worksheets_tracebacks_and_json_outputs() -> None:
    document = {"nbformat": 3, "worksheets": [{"cells": [
        {"cell_type": "code", "input": ["x = 1\n"], "outputs": [
            {"output_type": "pyerr", "traceback": ["Traceback", "KeyError: 'k'"]},
            {"output_type": "display_data", "data": {"application/json": {"k": "v"}, "image/jpeg": "/9j/4AAQ"}}]},
        {"cell_type": "markdown", "source": ""}]}]}
    members = notebook_members(json.dumps(document), "old.ipynb")
    assert members is not None
    assert [(m.path, m.layers, m.data) for m in members] == [
        ("old.ipynb!/cells/0/source", ("notebook",), b"x = 1\n"),
        ("old.ipynb!/cells/0/outputs/0/traceback", ("notebook",), b"Traceback\nKeyError: 'k'"),
        ("old.ipynb!/cells/0/outputs/1/application/json", ("notebook",), b'{"k": "v"}')]
    assert notebook_members("{}", "x.json") is None and notebook_members("[1]", "x.ipynb") is None
