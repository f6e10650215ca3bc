"""Fenced code blocks of the project's Markdown files, for the README and docs tests."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class CodeBlock:
    source: str   # file, relative to the repository
    section: str  # the nearest heading above the block
    lang: str
    text: str


def user_docs() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def code_blocks(path: Path) -> list[CodeBlock]:
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        headings = re.findall(r"^#+ (.+)$", text[: match.start()], re.MULTILINE)
        blocks.append(CodeBlock(str(path.relative_to(ROOT)), headings[-1] if headings else "",
                                match.group(1), match.group(2)))
    return blocks


def section_block(path: Path, heading: str, lang: str) -> str:
    """The first `lang` block under the heading named `heading` (exact text)."""
    found = [b.text for b in code_blocks(path) if b.section == heading and b.lang == lang]
    assert found, f"no {lang} block under '{heading}' in {path.name}"
    return found[0]
