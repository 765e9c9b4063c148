"""Shared by every assignment's release tests: the cells of a notebook and the secret lines a release must not hold."""

from __future__ import annotations

import json
import re
from pathlib import Path

SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def notebook_sources(path: Path) -> list[str]:
    """Each cell's source of the notebook at `path`, as one string."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]


def secret_lines(source_notebook: Path, pattern: re.Pattern, *, min_length: int) -> set[str]:
    """Distinctive lines (at least `min_length` long, not comments) found only inside the pattern's regions."""
    sources = notebook_sources(source_notebook)
    inside = {line.strip() for text in sources for block in pattern.findall(text) for line in block.splitlines()}
    outside = {line.strip() for text in sources for line in pattern.sub("", text).splitlines()}
    return {line for line in inside - outside if len(line) >= min_length and not line.startswith("#")}


def graded_points(notebook: Path) -> dict[str, float]:
    """grade_id -> points of every graded cell of the notebook."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"].get("points")
            for c in cells if c["metadata"].get("nbgrader", {}).get("grade")}
