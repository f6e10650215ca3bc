"""Reading hostile trees safely: symlinks, special files, size caps, wide text (issue 19.4/19.5/19.13, 11.2)."""
from __future__ import annotations

import os
import socket
import time

import pytest

from leakscan.config import Config
from leakscan.model import ScanError
from leakscan.pipeline.tree import scan_paths
from leakscan.sources import files
from leakscan.sources.decode import decode, is_binary, wide_encoding
from leakscan.sources.files import FileRef, OverSizeLimit, read_file, walk_files

from ..conftest import fake_github_token

posix_only = pytest.mark.skipif(os.name != "posix", reason="symlinks, FIFOs and /dev/zero are POSIX")


def _skipped(report) -> dict[str, int]:
    return dict(report.stats.skipped)


@posix_only
def test_symlink_leaving_the_root_is_not_followed(tmp_path, engine):
    outside = tmp_path / "outside"
    outside.mkdir()
    token = fake_github_token(3)
    (outside / "secret.txt").write_text(f"GITHUB_TOKEN={token}\n")
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "escape.txt").symlink_to(outside / "secret.txt")
    (root / "up").symlink_to(outside, target_is_directory=True)
    (root / "inside.txt").write_text("plain\n")
    (root / "alias.txt").symlink_to(root / "inside.txt")  # inside the root: read

    walked = walk_files([str(root)], Config())
    assert [r.display for r in walked.refs] == ["alias.txt", "inside.txt"]
    report = scan_paths([str(root)], engine)
    assert report.findings == ()
    assert _skipped(report)["symlink"] == 2  # the file link and the directory link


@posix_only
def test_fifo_socket_and_link_to_dev_zero_are_skipped_without_blocking(tmp_path, engine):
    root = tmp_path / "repo"
    root.mkdir()
    os.mkfifo(root / "pipe")
    (root / "zero.txt").symlink_to("/dev/zero")  # leaves the root: a skipped symlink
    (root / "pipe.txt").symlink_to(root / "pipe")  # stays inside, names a FIFO: a special file
    sock = socket.socket(socket.AF_UNIX)
    sock_path = root / "s.sock"
    try:
        sock.bind(str(sock_path))
    except OSError:  # path too long for AF_UNIX on some systems
        sock_path = None
    token = fake_github_token(4)
    (root / "real.txt").write_text(f"token = {token}\n")

    started = time.monotonic()
    report = scan_paths([str(root)], engine)
    sock.close()
    assert time.monotonic() - started < 10
    assert [f.location.path for f in report.findings] == ["real.txt"]
    assert report.stats.files == 1
    assert _skipped(report) == {"symlink": 1, "special": 3 if sock_path else 2}


@posix_only
def test_special_files_named_on_the_command_line_are_errors(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    walked = walk_files([str(tmp_path / "pipe"), "/dev/zero"], Config())
    assert walked.refs == []
    assert [e.message for e in walked.errors] == ["not a regular file (FIFO): not read",
                                                   "not a regular file (device): not read"]


@posix_only
def test_a_fifo_swapped_in_after_the_walk_is_refused_not_blocking(tmp_path):
    os.mkfifo(tmp_path / "late")
    result = read_file(FileRef(str(tmp_path / "late"), "late"), 1000)
    assert isinstance(result, ScanError) and "not a regular file (FIFO)" in result.message
    result = read_file(FileRef("/dev/zero", "zero", explicit=True), 1000)
    assert isinstance(result, ScanError) and "not a regular file (device)" in result.message


def test_size_cap_holds_while_reading_whatever_stat_said(tmp_path, monkeypatch):
    big = tmp_path / "grows.txt"
    big.write_bytes(b"x" * 5000)

    class Lying:
        st_size = 10

    real_stat = os.stat
    monkeypatch.setattr(files.os, "stat", lambda p, *a, **k: Lying() if str(p) == str(big) else real_stat(p, *a, **k))
    result = read_file(FileRef(str(big), "grows.txt"), 1000)
    assert isinstance(result, OverSizeLimit) and "5000 bytes is over the size limit of 1000" in result.message
    assert files.read_regular(str(big), 1000) == 5000


def test_oversized_files_are_errors_and_counted(tmp_path, engine):
    (tmp_path / "big.txt").write_text("y" * 3000)
    (tmp_path / "small.txt").write_text("ok\n")
    report = scan_paths([str(tmp_path)], _engine(max_file_size=1000))
    assert [(e.path, "size limit" in e.message) for e in report.errors] == [("big.txt", True)]
    assert report.stats.errors == 1 and _skipped(report)["size"] == 1


def _engine(**config):
    from leakscan.engine.context import Engine
    return Engine.build(Config(jobs=1, **config))


def test_skip_counts_by_reason(tmp_path, engine):
    (tmp_path / ".gitignore").write_text("*.log\nbuild/\n")
    (tmp_path / "a.log").write_text("x")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "out.txt").write_text("x")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    (tmp_path / "blob.raw").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "app.py").write_text("print(1)\n")
    report = scan_paths([str(tmp_path)], engine)
    assert _skipped(report) == {"gitignored": 2, "binary": 2}
    assert report.stats.files == 2  # .gitignore and app.py


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any directory")
def test_unreadable_directory_is_reported_under_its_own_path(tmp_path, engine):
    locked = tmp_path / "pkg" / "locked"
    locked.mkdir(parents=True)
    (tmp_path / "pkg" / "ok.txt").write_text("x")
    locked.chmod(0)
    try:
        report = scan_paths([str(tmp_path)], engine)
    finally:
        locked.chmod(0o755)
    assert [e.path for e in report.errors] == ["pkg/locked"]


def test_unlistable_directory_is_reported_under_its_own_path(tmp_path, monkeypatch):
    (tmp_path / "pkg" / "locked").mkdir(parents=True)
    (tmp_path / "pkg" / "ok.txt").write_text("x")
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(files.os, "scandir", scandir)
    walked = walk_files([str(tmp_path)], Config())
    assert [(e.path, e.message) for e in walked.errors] == [("pkg/locked", "cannot list directory: Permission denied")]
    assert [r.display for r in walked.refs] == ["pkg/ok.txt"]
    monkeypatch.setattr(files.os, "scandir", lambda p: scandir(str(p) + "/locked"))
    walked = walk_files([str(tmp_path)], Config())
    assert [e.path for e in walked.errors] == [tmp_path.as_posix()]  # the root itself: its own name, not "."


def test_deep_directory_tree_does_not_recurse(tmp_path):
    path = tmp_path
    for _ in range(300):
        path = path / "d"
    path.mkdir(parents=True)
    (path / "leaf.txt").write_text("x")
    walked = walk_files([str(tmp_path)], Config())
    assert len(walked.refs) == 1 and walked.refs[0].display.endswith("d/leaf.txt")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_text_without_bom_is_decoded_and_scanned(tmp_path, engine, codec):
    token = fake_github_token(5)
    text = f"# settings\nname = demo\nGITHUB_TOKEN = {token}\n"
    (tmp_path / "settings.cfg").write_bytes(text.encode(codec))
    assert wide_encoding(text.encode(codec)) == codec and not is_binary(text.encode(codec))
    report = scan_paths([str(tmp_path)], engine)
    [finding] = [f for f in report.findings if f.rule_id.startswith("github")]
    assert (finding.location.line, finding.location.column) == (3, len("GITHUB_TOKEN = ") + 1)


def test_utf32_with_bom_is_not_taken_for_utf16():
    import codecs
    text = "key = value\n"
    assert decode(codecs.BOM_UTF32_LE + text.encode("utf-32-le"))[0] == text


def test_binary_detection_does_not_hide_text_with_a_stray_nul(tmp_path, engine):
    token = fake_github_token(6)
    (tmp_path / "app.log").write_bytes(b"started\n" * 200 + b"\0\n" + f"token={token}\n".encode())
    report = scan_paths([str(tmp_path)], engine)
    assert [f.location.line for f in report.findings if f.rule_id.startswith("github")] == [202]
    assert is_binary(os.urandom(4096) + b"\0")
    assert is_binary(b"\x7fELF\x02\x01\x01" + b"\0" * 64 + bytes(range(256)))


def test_utf16_har_without_bom_is_read_as_a_har(tmp_path, engine):
    token = fake_github_token(8)
    har = ('{"log": {"version": "1.2", "entries": [{"request": {"method": "GET", "url": "https://api.example.test/",'
           f' "headers": [{{"name": "Authorization", "value": "token {token}"}}]}}}}]}}}}\n')
    (tmp_path / "session.har").write_bytes(har.encode("utf-16-le"))
    report = scan_paths([str(tmp_path)], engine)
    [finding] = [f for f in report.findings if f.secret == token]
    assert finding.location.pointer == "/log/entries/0/request/headers/0/value"
    assert finding.location.line == 1 and report.errors == ()


@posix_only
def test_json_report_counts_skipped_files_by_reason(tmp_path):
    import json

    from click.testing import CliRunner

    from leakscan.cli import cli

    (tmp_path / "outside.txt").write_text("x\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitignore").write_text("*.tmp\n")
    (root / "a.tmp").write_text("x\n")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    os.mkfifo(root / "pipe")
    (root / "app.py").write_text("print(1)\n")
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json"])
    stats = json.loads(result.output)["stats"]
    assert stats["skipped"] == {"gitignored": 1, "symlink": 1, "special": 1}
    assert stats["files"] == 2


@posix_only
def test_a_gitignore_linked_outside_the_root_is_not_read(tmp_path):
    (tmp_path / "outside-ignore").write_text("*.py\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitignore").symlink_to(tmp_path / "outside-ignore")
    (root / "app.py").write_text("x\n")
    walked = walk_files([str(root)], Config())
    assert [r.display for r in walked.refs] == ["app.py"]  # the outside patterns did not apply
    assert dict(walked.skipped.as_pairs()) == {"symlink": 1}
