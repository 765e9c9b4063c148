"""The committed layers release is fresh, built by plain nbgrader, and free of solutions and graders."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from autograder.course.assignment import load_assignment
from autograder.submission.extract import notebook_cells
from autograder.grading.reference import load_module_from_cells
from autograder.course.release import build_release, stub_source

from ..release_support import HIDDEN, MARKERS, SOLUTION, graded_points, notebook_sources, secret_lines

ASSIGNMENT = load_assignment("layers")
RELEASE = ASSIGNMENT.release_dir


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    return build_release(ASSIGNMENT, into=tmp_path_factory.mktemp("course"))


def _secret_lines(pattern: re.Pattern) -> set[str]:
    return secret_lines(ASSIGNMENT.source_notebook, pattern, min_length=8)


@pytest.mark.parametrize("suffix", [".ipynb", ".py"])
def test_committed_release_is_what_nbgrader_generates(rebuilt, suffix):
    assert (RELEASE / f"layers{suffix}").read_text(encoding="utf-8") == (
        rebuilt / f"layers{suffix}").read_text(encoding="utf-8"), (
        f"assignments/layers/layers{suffix} is stale: run `.venv/bin/python -m autograder.course.release layers` and commit")


def test_stub_matches_the_released_notebook():
    notebook = (RELEASE / "layers.ipynb").read_text(encoding="utf-8")
    assert stub_source(notebook, "layers", with_checks=False) == (RELEASE / "layers.py").read_text(encoding="utf-8")


def test_release_holds_only_the_notebook_and_the_stub(rebuilt):
    assert sorted(p.name for p in RELEASE.rglob("*")) == ["layers.ipynb", "layers.py"]
    assert sorted(p.name for p in rebuilt.iterdir()) == ["layers.ipynb", "layers.py"]


def test_source_has_solutions_and_hidden_tests_to_strip():
    assert len(_secret_lines(SOLUTION)) >= 6 and len(_secret_lines(HIDDEN)) > 15


@pytest.mark.parametrize("pattern", [SOLUTION, HIDDEN], ids=["solution", "hidden-tests"])
def test_release_leaks_no_solution_hidden_test_or_grader_text(pattern):
    secrets = _secret_lines(pattern)
    for path in sorted(RELEASE.iterdir()):
        text = "\n".join(notebook_sources(path)) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
        leaked = secrets & {line.strip() for line in text.splitlines()}
        assert not leaked, f"{path.name} leaks {sorted(leaked)[:3]}"
        assert not any(marker in text for marker in MARKERS) and "graders/" not in text


def test_graded_cells_are_the_graders_parts_with_the_rubrics_points():
    points = graded_points(RELEASE / "layers.ipynb")
    assert points == {"linear_forward": 3, "linear_backward": 4, "relu": 3}
    graders = "\n".join(p.read_text() for p in ASSIGNMENT.graders_dir.glob("test_*.py"))
    assert set(re.findall(r'mark\.part\("(\w+)"\)', graders)) == set(points)


@pytest.mark.parametrize("kind", ["ipynb", "py"])
def test_released_stub_runs_and_raises_not_implemented(kind):
    text = (RELEASE / f"layers.{kind}").read_text(encoding="utf-8")
    module = load_module_from_cells(notebook_cells(text)[0] if kind == "ipynb" else (text,), "stub")
    x, w, b = np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(4)
    for call in (lambda: module.Linear.forward(x, w, b), lambda: module.Linear.backward(x, w, b, np.zeros((2, 4))),
                 lambda: module.ReLU.forward(x), lambda: module.ReLU.backward(x, x)):
        with pytest.raises(NotImplementedError):
            call()
