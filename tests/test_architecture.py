"""docs/architecture.md stays true as the code moves, and the tree keeps its shape (issue: layout)."""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "leakscan"
DOC = ROOT / "docs" / "architecture.md"


def modules() -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py")}


def documented() -> set[str]:
    return set(re.findall(r"^\| `(leakscan/[\w/]+\.py)` \|", DOC.read_text(encoding="utf-8"), re.M))


def test_every_module_is_in_the_module_table_and_nothing_else() -> None:
    assert sorted(modules() - documented()) == [], "modules missing from docs/architecture.md"
    assert sorted(documented() - modules()) == [], "docs/architecture.md lists modules that do not exist"


def test_each_row_is_the_module_docstring_first_line() -> None:
    text = DOC.read_text(encoding="utf-8")
    for path in sorted(modules()):
        docstring = ast.get_docstring(ast.parse((ROOT / path).read_text(encoding="utf-8"))) or ""
        assert docstring.strip(), f"{path} has no docstring"
        first = docstring.strip().splitlines()[0]
        row = re.search(rf"^\| `{re.escape(path)}` \| (.*) \|$", text, re.M)
        assert row, path
        assert row.group(1).replace("\\|", "|") == first, f"{path}: the row is not the docstring's first line"


def test_the_layer_diagram_is_the_import_contract() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in contracts["contracts"] if c["type"] == "layers")["layers"]
    block = re.search(r"```text\nlayers \(each imports only those below it\)\n(.*?)```",
                      DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/architecture.md has no layer diagram"
    drawn = [line.strip() for line in block.group(1).splitlines() if line.strip()]
    assert drawn == layers


@pytest.mark.parametrize("package", sorted({p.parent for p in PACKAGE.rglob("__init__.py")}), ids=str)
def test_no_package_room_is_overfull(package: Path) -> None:
    own = [p for p in package.glob("*.py") if p.name != "__init__.py"]
    limit = 8 if package == PACKAGE else 12
    assert len(own) <= limit, f"{package.relative_to(ROOT)} holds {len(own)} modules (at most {limit})"


def test_readme_draws_the_same_layers() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = [layer.removeprefix("leakscan.").replace(" | leakscan.", " | ")
              for layer in next(c for c in contracts["contracts"] if c["type"] == "layers")["layers"]]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## How it is built"):]
    block = re.search(r"```text\n(.*?)```", section, re.S)
    assert block and [line.strip() for line in block.group(1).splitlines() if line.strip()] == layers


def test_every_package_is_shipped() -> None:
    """pyproject.toml lists packages by name: a new subpackage missing there is missing from every install."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    on_disk = {p.parent.relative_to(ROOT).as_posix().replace("/", ".") for p in PACKAGE.rglob("__init__.py")}
    assert sorted(on_disk - listed) == []
