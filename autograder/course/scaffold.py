"""`autograder new NAME`: scaffold an assignment in a course, a source notebook plus a graders folder that grade.

The scaffold is a complete, tiny assignment (an op `<Name>` with `forward(x) = 2 * x`) so that every
step of the README's recipe works before the instructor has changed a line: release it, grade the
reference (full marks) and the stub (0, bug:not-implemented). The instructor then replaces the op,
the text and the graders with their own.

    solutions/NAME/NAME.ipynb        teaching text, the reference between solution markers, one hidden test cell
    graders/NAME/assignment.toml     the declaration: title, [api], [errors], the [bugs.*] catalogue
    graders/NAME/__init__.py         graders/NAME is a package, so graders may import each other relatively
    graders/NAME/test_core.py        one example grader file, for the part "core"
    graders/NAME/RUBRIC.md           the rubric, one row per test
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.course.assignment import DECLARATION
from autograder.errors import GraderError

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True)
class Scaffold:
    """What `create_assignment` wrote."""

    name: str
    class_name: str
    course_root: Path
    files: tuple[Path, ...]


def class_name_for(name: str) -> str:
    """`scale` -> `Scale`, `batch_norm` -> `BatchNorm`."""
    return "".join(part.capitalize() for part in name.split("_") if part)


def check_name(name: str) -> None:
    """A name must be a lowercase identifier that shadows no importable module (graders/NAME is a package)."""
    if not NAME_PATTERN.match(name):
        raise GraderError(f"assignment name {name!r} must be lowercase letters, digits and underscores, "
                          "starting with a letter (it names a folder, a notebook and a Python package)")
    if importlib.util.find_spec(name) is not None:
        raise GraderError(f"assignment name {name!r} is already an importable Python module; graders/{name}/ "
                          f"would shadow it while grading. Choose another name, e.g. {name}_hw")


def create_assignment(name: str, course_root: Path) -> Scaffold:
    """Write the scaffold of assignment `name` into the course at `course_root`; refuse to overwrite anything."""
    check_name(name)
    root = Path(course_root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        raise GraderError(f"{root} is not a course: it has no nbgrader_config.py. Run from the course root, "
                          "pass --course DIR, or copy nbgrader_config.py from the autograder repository first")
    solution_dir, graders_dir = root / "solutions" / name, root / "graders" / name
    for folder in (solution_dir, graders_dir):
        if folder.exists():
            raise GraderError(f"{folder} already exists; `autograder new` never overwrites an assignment")
    title = f"{class_name_for(name)}: forward and backward"
    class_name = class_name_for(name)
    contents = {
        solution_dir / f"{name}.ipynb": notebook_text(name, class_name, title),
        graders_dir / DECLARATION: DECLARATION_TEMPLATE.format(name=name, cls=class_name, title=title),
        graders_dir / "__init__.py": f'"""Hidden graders for the {name} assignment."""\n',
        graders_dir / "test_core.py": GRADER_TEMPLATE.format(name=name, cls=class_name),
        graders_dir / "RUBRIC.md": RUBRIC_TEMPLATE.format(name=name, cls=class_name),
    }
    for path, text in contents.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Scaffold(name=name, class_name=class_name, course_root=root, files=tuple(contents))


def notebook_text(name: str, cls: str, title: str) -> str:
    """The source notebook: nbgrader metadata on every cell, one answer cell, one hidden test cell."""
    cells = [
        _cell("markdown", "intro", INTRO.format(name=name, cls=cls, title=title)),
        _cell("code", "setup", "import numpy as np"),
        _cell("code", "answer", ANSWER.format(cls=cls), solution=True),
        _cell("code", "check_core", CHECK.format(cls=cls), skip=True),
        _cell("code", "core", TEST_CELL.format(cls=cls), grade=True, points=2),
    ]
    notebook = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                                          "name": "python3"}, "language_info": {"name": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _cell(kind: str, grade_id: str, source: str, *, solution=False, grade=False, points=None, skip=False) -> dict:
    nbgrader = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
                "solution": solution, "task": False}
    if points is not None:
        nbgrader["points"] = points
    metadata = {"nbgrader": nbgrader, **({"tags": ["autograder:skip"]} if skip else {})}
    cell = {"cell_type": kind, "id": grade_id, "metadata": metadata, "source": source.strip("\n").splitlines(True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


INTRO = """
# {title}

Write `{cls}.forward(x)` and `{cls}.backward(x, dout)`. `backward` returns `dx`, the gradient of
`sum(dout * forward(x))` with respect to `x`, an array of `x`'s shape.

| part | what you write | points |
|---|---|---|
| core | `{cls}.forward` and `{cls}.backward` | 2 |

(Instructor: replace this text, the op in the answer cell, and the graders in `graders/{name}/`.)
"""

ANSWER = '''
class {cls}:
    """The example op: out = 2 * x, for x of any shape."""

    @staticmethod
    def forward(x):
        """Return 2 * x. Never modify x."""
        ### BEGIN SOLUTION
        return 2 * x
        ### END SOLUTION

    @staticmethod
    def backward(x, dout):
        """Return dx = 2 * dout, of x's shape."""
        ### BEGIN SOLUTION
        return 2 * dout
        ### END SOLUTION
'''

CHECK = '''
# A visible check for students (tagged autograder:skip, so grading never runs it).
try:
    _x = np.array([[1.0, -2.0], [0.5, 3.0]])
    print("PASS" if np.allclose({cls}.forward(_x), 2 * _x) else "FAIL", " forward on a 2 x 2 example")
except NotImplementedError:
    print("TODO  write {cls}.forward")
'''

TEST_CELL = '''
# Autograder: the core part (2 points). Hidden tests decide the score. Leave this cell as it is.
### BEGIN HIDDEN TESTS
_x = np.array([[1.0, -2.0], [0.5, 3.0]])
assert np.allclose({cls}.forward(_x), 2 * _x)
assert np.allclose({cls}.backward(_x, np.ones_like(_x)), 2 * np.ones_like(_x))
### END HIDDEN TESTS
'''

DECLARATION_TEMPLATE = '''# The declaration of the {name} assignment: what the engine needs to know, and nothing else.
title = "{title}"

# The student API: each class, and the methods the graders call on it.
[api]
{cls} = ["forward", "backward"]

# What the engine saw -> the misconception it means here (see autograder/checks/catalogue.py).
[errors]
not_implemented = "not-implemented"
read_only_write = "mutates-input"
mutated_input = "mutates-input"

# The misconception catalogue: every bug id the graders may tag.
[bugs.not-implemented]
misconception = "{cls} still raises NotImplementedError: the stub has not been filled in yet."
fix = "replace each `raise NotImplementedError()` with your implementation."

[bugs.mutates-input]
misconception = "the code changes an input array in place; the grader passes read-only arrays, so the write failed."
fix = "make a new array instead of writing into the input (x = x * 2, not x *= 2)."
'''

GRADER_TEMPLATE = '''"""Hidden graders for {cls}: forward and backward against the reference, on inputs drawn from the seed."""

from pathlib import Path

import pytest

from autograder.checks.catalogue import load_catalogue
from autograder.checks.compare import ARRAY_TOLERANCE, compare_array, precision
from autograder.checks.diagnosis import run_check

CATALOGUE = load_catalogue(Path(__file__).parent)


def _parity(got, expected, *, what, inputs):
    """Parity at the tolerance of the inputs the grader built, never of the dtype the student returned."""
    return compare_array(got, expected, what=what, tolerance=ARRAY_TOLERANCE[precision(*inputs)])


def _inputs(rng):
    shape = (int(rng.integers(2, 9)), int(rng.integers(2, 9)))
    return rng.standard_normal(shape), rng.standard_normal(shape)


@pytest.mark.points(1)
@pytest.mark.part("core")
def test_forward_matches_reference(student, reference, rng):
    """{cls}.forward(x) equals the reference on random x."""
    x, _ = _inputs(rng)
    run_check(f"{cls}.forward(x) against the reference, on random x of shape {{x.shape}}.",
              lambda: _parity(student.{cls}.forward(x), reference.{cls}.forward(x), what="out", inputs=(x,)),
              catalogue=CATALOGUE)


@pytest.mark.points(1)
@pytest.mark.part("core")
def test_backward_matches_reference(student, reference, rng):
    """{cls}.backward(x, dout) equals the reference on random x and dout."""
    x, dout = _inputs(rng)
    run_check(f"{cls}.backward(x, dout) against the reference, on random x and dout of shape {{x.shape}}.",
              lambda: _parity(student.{cls}.backward(x, dout), reference.{cls}.backward(x, dout), what="dx",
                              inputs=(x, dout)),
              catalogue=CATALOGUE)
'''

RUBRIC_TEMPLATE = '''# {name} rubric

**2 points**, one part, one nbgrader test cell (grade_id `core`). Hidden inputs come from the `rng`
fixture, seeded per submission and per test.

| part | test | points | what it checks |
|---|---|---|---|
| core | `test_core.py::test_forward_matches_reference` | 1 | `{cls}.forward(x)` against the reference (rtol 1e-7) |
| core | `test_core.py::test_backward_matches_reference` | 1 | `{cls}.backward(x, dout)` against the reference (rtol 1e-7) |
'''
