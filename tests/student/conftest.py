"""Shared pieces for the student-facing tests: the shipped checks module, corpus modules, release notebooks."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RELEASE = REPO / "assignments" / "celoss"
CORPUS = REPO / "tests" / "corpus" / "celoss"
ANSWERS = Path(__file__).resolve().parent / "answers"
ANSWER_CELL = "celoss_core"


def load_file(path: Path, name: str | None = None):
    """Import a .py file as a fresh module under `name` (registered, as dataclasses need)."""
    name = name or f"student_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def checks():
    """The checks module exactly as the release ships it."""
    return load_file(RELEASE / "celoss_checks.py", "celoss_checks_released")


def release_notebook_with(answer: str) -> str:
    """The released notebook with `answer` as the source of its answer cell for Parts 1 to 3."""
    notebook = json.loads((RELEASE / "celoss.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in notebook["cells"] if (c["metadata"].get("nbgrader") or {}).get("grade_id") == ANSWER_CELL]
    assert len(cells) == 1
    cells[0]["source"] = answer
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
