"""Read the one-line meaning of each bug id from an assignment's BUGS.md, whatever its exact layout."""

from __future__ import annotations

import re
from pathlib import Path

from autograder.course import GRADERS_DIR


def bug_meanings(assignment: str, bug_ids: list[str], graders_root: Path = GRADERS_DIR) -> dict[str, str]:
    """{bug id: one-line meaning} for the ids the catalogue mentions; an id it lacks is simply absent."""
    path = Path(graders_root) / assignment / "BUGS.md"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    meanings = {}
    for bug in bug_ids:
        meaning = _meaning(lines, bug)
        if meaning:
            meanings[bug] = meaning
    return meanings


def _meaning(lines: list[str], bug: str) -> str:
    """The text after the id on its first line (table row, list item or heading), else the next prose line."""
    pattern = re.compile(rf"(?<![\w-])(?:bug:)?{re.escape(bug)}(?![\w-])")
    for index, line in enumerate(lines):
        match = pattern.search(line)
        if not match:
            continue
        if line.lstrip().startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rest = next((c for c in cells if c and not pattern.search(c)), "")
        else:
            rest = line[match.end():]
        text = _plain(rest)
        if not text:
            text = next((_plain(after) for after in lines[index + 1:index + 4] if _plain(after)), "")
        return text[:200]
    return ""


def _plain(text: str) -> str:
    text = re.sub(r"[`*_]", "", text)
    text = text.strip().lstrip("#|:-–—= ").strip()
    return "" if text.startswith("|") else text
