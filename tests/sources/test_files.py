from __future__ import annotations

import codecs
import random

import pathspec
import pytest

from leakscan.config import Config
from leakscan.model import ScanError
from leakscan.sources import files
from leakscan.sources.files import FileRef, NameSpec, gitignore_spec, iter_files, read_file


def tree(tmp_path, spec: dict[str, bytes | str]):
    for rel, content in spec.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return tmp_path


def listed(tmp_path, **config) -> list[str]:
    refs, errors = iter_files([str(tmp_path)], Config(**config))
    assert not errors
    return [r.display for r in refs]


def test_gitignore_nested_and_negated(tmp_path):
    tree(tmp_path, {
        ".gitignore": "*.log\nbuild/\n!keep.log\n",
        "a.log": "x", "keep.log": "x", "build/out.txt": "x", "src/app.py": "x",
        "src/.gitignore": "generated_*\n", "src/generated_x.py": "x", "other/generated_y.py": "x",
    })
    assert listed(tmp_path) == [".gitignore", "keep.log", "other/generated_y.py", "src/.gitignore", "src/app.py"]
    assert "a.log" in listed(tmp_path, respect_gitignore=False)


def test_exclude_globs_and_git_dir(tmp_path):
    tree(tmp_path, {"vendor/lib.js": "x", "app.py": "x", ".git/config": "x", "pkg/__pycache__/m.pyc": b"\0"})
    assert listed(tmp_path, exclude=("vendor/", "__pycache__/")) == ["app.py"]


def test_binary_suffix_skipped_without_reading(tmp_path):
    tree(tmp_path, {"logo.png": b"\x89PNG", "main.c": "int main;"})
    assert listed(tmp_path) == ["main.c"]


def test_binary_content_returns_none(tmp_path):
    tree(tmp_path, {"blob.dat2": b"abc\0def"})
    assert read_file(FileRef(str(tmp_path / "blob.dat2"), "blob.dat2"), 1000) is None


def test_utf16_with_bom_and_invalid_utf8_are_decoded(tmp_path):
    tree(tmp_path, {"u16.txt": codecs.BOM_UTF16_LE + "token = abc".encode("utf-16-le"),
                    "bad.txt": b"caf\xe9 token = abc"})
    u16 = read_file(FileRef(str(tmp_path / "u16.txt"), "u16.txt"), 1000)
    bad = read_file(FileRef(str(tmp_path / "bad.txt"), "bad.txt"), 1000)
    assert u16.chunk.text == "token = abc" and u16.utf8 is None
    assert bad.chunk.text.endswith("token = abc") and bad.utf8 is None


def test_size_limit_and_unreadable_files_become_errors(tmp_path, monkeypatch):
    tree(tmp_path, {"big.txt": "x" * 2000, "locked.txt": "x"})
    big = read_file(FileRef(str(tmp_path / "big.txt"), "big.txt"), 1000)
    assert isinstance(big, ScanError) and "size limit" in big.message
    named = read_file(FileRef(str(tmp_path / "big.txt"), "big.txt", explicit=True), 1000)
    assert named.size == 2000  # a file named on the command line is always scanned

    def deny(path, *a, **kw):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(files, "open_regular", deny)
    locked = read_file(FileRef(str(tmp_path / "locked.txt"), "locked.txt"), 1000)
    assert isinstance(locked, ScanError) and "Permission denied" in locked.message


def test_missing_root_is_an_error(tmp_path):
    refs, errors = iter_files([str(tmp_path / "nope")], Config())
    assert refs == [] and "no such file" in errors[0].message


@pytest.mark.parametrize("seed", range(20))
def test_plain_name_excludes_answer_as_pathspec_does(seed):
    """`--exclude node_modules/` and the like are matched without pathspec, with its answers."""
    rng = random.Random(seed)
    names = ["node_modules", "__pycache__", ".venv", "build", "a.py", "site-packages", "x"]
    lines = [rng.choice(names) + rng.choice(["", "/"]) for _ in range(rng.randint(1, 4))]
    ours, theirs = gitignore_spec(lines), pathspec.GitIgnoreSpec.from_lines(lines)
    assert isinstance(ours, NameSpec)
    for _ in range(200):
        path = "/".join(rng.choice([*names, "src", "lib"]) for _ in range(rng.randint(1, 4)))
        for probe in (path, path + "/"):
            assert ours.match_file(probe) == theirs.match_file(probe), (lines, probe)


@pytest.mark.parametrize("lines", [["*.pyc"], ["/build"], ["docs/build/"], ["!keep"], ["# note"], [" lead"],
                                   ["trail "], ["a\\ b"], ["build", "*.log"]])
def test_patterns_that_are_not_plain_names_go_to_pathspec(lines):
    assert isinstance(gitignore_spec(lines), pathspec.GitIgnoreSpec)
