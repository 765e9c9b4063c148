"""The committed student release is fresh, built by plain nbgrader, and free of solutions and graders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder.course.assignment import load_assignment
from autograder.submission.extract import notebook_cells
from autograder.grading.reference import load_module_from_cells
from autograder.course.release import build_release, stub_source

from .release_support import HIDDEN, MARKERS, SOLUTION, graded_points, notebook_sources, secret_lines

ASSIGNMENT = load_assignment("celoss")
RELEASE = ASSIGNMENT.release_dir


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    return build_release(ASSIGNMENT, into=tmp_path_factory.mktemp("course"))


def _secret_lines(pattern: re.Pattern) -> set[str]:
    return secret_lines(ASSIGNMENT.source_notebook, pattern, min_length=12)


def _released_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(RELEASE.iterdir()) if path.is_file()}


def test_committed_notebook_is_what_nbgrader_generates(rebuilt):
    fresh = (rebuilt / "celoss.ipynb").read_text(encoding="utf-8")
    assert (RELEASE / "celoss.ipynb").read_text(encoding="utf-8") == fresh, (
        "assignments/celoss/celoss.ipynb is stale: run `.venv/bin/python -m autograder.course.release celoss` and commit"
    )


def test_committed_stub_is_fresh(rebuilt):
    assert (RELEASE / "celoss.py").read_text(encoding="utf-8") == (rebuilt / "celoss.py").read_text(encoding="utf-8"), (
        "assignments/celoss/celoss.py is stale: run `.venv/bin/python -m autograder.course.release celoss` and commit"
    )


def test_stub_is_deterministic_and_matches_the_notebook():
    notebook = (RELEASE / "celoss.ipynb").read_text(encoding="utf-8")
    assert stub_source(notebook, "celoss") == stub_source(notebook, "celoss")
    assert stub_source(notebook, "celoss") == (RELEASE / "celoss.py").read_text(encoding="utf-8")


def test_release_holds_only_the_notebook_the_stub_and_the_checks(rebuilt):
    files = sorted(str(p.relative_to(RELEASE.parent)) for p in RELEASE.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)  # importing celoss_checks may leave one
    assert files == ["celoss/celoss.ipynb", "celoss/celoss.py", "celoss/celoss_checks.py"]
    assert sorted(p.name for p in rebuilt.iterdir()) == ["celoss.ipynb", "celoss.py", "celoss_checks.py"]


def test_committed_checks_module_is_the_source_one(rebuilt):
    source = (ASSIGNMENT.source_notebook.parent / "celoss_checks.py").read_text(encoding="utf-8")
    assert (RELEASE / "celoss_checks.py").read_text(encoding="utf-8") == source == (
        rebuilt / "celoss_checks.py").read_text(encoding="utf-8"), (
        "assignments/celoss/celoss_checks.py is stale: run `.venv/bin/python -m autograder.course.release celoss` and commit"
    )


def test_checks_module_imports_only_numpy_and_the_standard_library():
    import ast
    import sys

    tree = ast.parse((RELEASE / "celoss_checks.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported - set(sys.stdlib_module_names) == {"numpy"}


def test_release_holds_no_grader_files():
    grader_names = {p.name for p in ASSIGNMENT.graders_dir.rglob("*") if p.is_file() and p.suffix in {".py", ".md"}}
    released = {p.name for p in RELEASE.rglob("*")}
    assert not released & (grader_names - {"__init__.py"})
    for name, text in _released_texts().items():
        assert "graders/" not in text and not re.search(r"^\s*(from|import) celoss\b(?!_checks)", text, re.M), name


def test_source_has_solutions_and_hidden_tests_to_strip():
    assert len(_secret_lines(SOLUTION)) > 30 and len(_secret_lines(HIDDEN)) > 20


@pytest.mark.parametrize("pattern", [SOLUTION, HIDDEN], ids=["solution", "hidden-tests"])
def test_release_has_no_solution_or_hidden_test_lines(pattern):
    secrets = _secret_lines(pattern)
    for name, text in _released_texts().items():
        if name.endswith(".ipynb"):
            text = "\n".join(notebook_sources(RELEASE / name))
        leaked = secrets & {line.strip() for line in text.splitlines()}
        assert not leaked, f"{name} leaks {len(leaked)} line(s), e.g. {sorted(leaked)[:3]}"


def test_release_has_no_markers():
    for name, text in _released_texts().items():
        for marker in MARKERS:
            assert marker not in text, f"{name} contains {marker!r}"


def test_release_keeps_graded_cells_and_points():
    assert graded_points(RELEASE / "celoss.ipynb") == {"forward": 3, "backward": 4, "stability": 3, "extensions": 2}


@pytest.mark.parametrize("kind", ["ipynb", "py"])
def test_released_stub_runs_and_raises_not_implemented(kind):
    import numpy as np

    text = (RELEASE / f"celoss.{kind}").read_text(encoding="utf-8")
    cells = notebook_cells(text)[0] if kind == "ipynb" else (text,)
    module = load_module_from_cells(cells, "stub")
    x, y = np.zeros((2, 3)), np.array([0, 1])
    with pytest.raises(NotImplementedError):
        module.CELoss.forward(x, y)
    with pytest.raises(NotImplementedError):
        module.CELoss.backward(x, y, 1.0)
    with pytest.raises(NotImplementedError):
        module.CELoss.forward(x, y, reduction="sum")
