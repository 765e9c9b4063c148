"""The README's "Adding an assignment", followed literally in a temporary course with a tiny new op, `Scale`.

`autograder new scale`, then the notebook and a grader are filled in, `python -m autograder.course.release scale`,
then a correct and a wrong submission are graded by `autograder grade`, by the Gradescope bundle that
`autograder gradescope` builds, and by stock `nbgrader autograde`.
No tracked engine file may change on the way: the engine needs nothing for a new assignment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)

ANSWER = '''
class Scale:
    """Scale each column of x (N, D) by s (D,): out = x * s."""

    @staticmethod
    def forward(x, s):
        """Return x * s, of x's shape."""
        ### BEGIN SOLUTION
        return x * s
        ### END SOLUTION

    @staticmethod
    def backward(x, s, dout):
        """Return (dx, ds): dx = dout * s (N, D); ds sums dout * x over the rows, shape (D,)."""
        ### BEGIN SOLUTION
        return dout * s, (dout * x).sum(axis=0)
        ### END SOLUTION
'''
HIDDEN_TEST = '''
# Autograder: the core part (2 points). Hidden tests decide the score. Leave this cell as it is.
### BEGIN HIDDEN TESTS
_x, _s = np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([2.0, -1.0])
assert np.allclose(Scale.forward(_x, _s), _x * _s)
### END HIDDEN TESTS
'''
GRADER = '''"""Hidden graders for Scale: forward against the reference, backward against the reference and finite differences."""

from pathlib import Path

import pytest

from autograder.checks.adjoints import check_adjoints
from autograder.checks.catalogue import load_catalogue
from autograder.checks.compare import compare_array
from autograder.checks.diagnosis import run_check
from autograder.checks.vjp import check_vjp

CATALOGUE = load_catalogue(Path(__file__).parent)


def _inputs(rng):
    n, d = int(rng.integers(3, 9)), int(rng.integers(2, 6))
    return rng.standard_normal((n, d)), rng.standard_normal(d), rng.standard_normal((n, d))


@pytest.mark.points(1)
@pytest.mark.part("core")
def test_forward_matches_reference(student, reference, rng):
    """Scale.forward(x, s) equals the reference."""
    x, s, _ = _inputs(rng)
    run_check("Scale.forward(x, s) against the reference.",
              lambda: compare_array(student.Scale.forward(x, s), reference.Scale.forward(x, s), what="out"),
              catalogue=CATALOGUE)


@pytest.mark.points(1)
@pytest.mark.part("core")
def test_backward_matches_reference_and_finite_differences(student, reference, rng):
    """(dx, ds) equal the reference's and agree with central differences of the reference's forward."""
    x, s, dout = _inputs(rng)

    def check():
        got = student.Scale.backward(x, s, dout)
        result = check_adjoints(got, (x, s), names=("x", "s"))
        for mine, theirs, name in zip(got if result.passed else (), reference.Scale.backward(x, s, dout), "xs"):
            result = compare_array(mine, theirs, what=f"d{name}")
            if not result.passed:
                return result
        return result if not result.passed else check_vjp(reference.Scale.forward, (x, s), dout, got,
                                                          names=("x", "s"), rng=rng)

    run_check("Scale.backward(x, s, dout) against the reference.", check, catalogue=CATALOGUE)
'''
WRONG_BACKWARD = "return dout * s, (dout * x).sum(axis=1)"


def environment() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(REPO)}


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def engine_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "autograder/"], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """Steps 1-4 of the recipe in an empty course that holds only nbgrader_config.py."""
    before = engine_status()
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    # 1. Scaffold.
    run(str(BIN / "autograder"), "new", "scale", cwd=root)
    # 2. Write the notebook: the op in the answer cell, the hidden test in the test cell.
    source = root / "solutions" / "scale" / "scale.ipynb"
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        if grade_id(cell) == "answer":
            cell.source = ANSWER.strip("\n")
        if grade_id(cell) == "core":
            cell.source = HIDDEN_TEST.strip("\n")
        if grade_id(cell) == "check_core":
            cell.source = "print('check: Scale.forward(x, s) == x * s')"
    nbformat.write(notebook, source)
    # 3. Write the graders.
    (root / "graders" / "scale" / "test_core.py").write_text(GRADER)
    # 4. Release.
    run(sys.executable, "-m", "autograder.course.release", "scale", cwd=root)
    assert engine_status() == before
    return root


def submissions(course: Path) -> dict[str, str]:
    """A correct and a wrong answer cell, pasted into the released stub."""
    answer = SOLUTION_MARKERS.sub("", ANSWER.strip("\n"))
    return {"correct": answer, "wrong": answer.replace("return dout * s, (dout * x).sum(axis=0)", WRONG_BACKWARD)}


def test_release_is_a_stub_without_the_solution(course):
    stub = (course / "assignments" / "scale" / "scale.py").read_text()
    assert "class Scale" in stub and "raise NotImplementedError()" in stub
    assert "(dout * x).sum(axis=0)" not in stub and "BEGIN HIDDEN TESTS" not in stub


def test_autograder_grade_scores_the_correct_and_the_wrong_submission(course, tmp_path):
    before = engine_status()
    stub = (course / "assignments" / "scale" / "scale.py").read_text()
    start = stub.index("class Scale")
    for name, answer in submissions(course).items():
        (tmp_path / f"{name}.py").write_text(stub[:start] + answer + "\n")
    shutil.copy2(course / "assignments" / "scale" / "scale.py", tmp_path / "stub.py")
    done = run(str(BIN / "autograder"), "grade", "scale", str(tmp_path / "correct.py"), str(tmp_path / "wrong.py"),
               str(tmp_path / "stub.py"), "--out", str(tmp_path / "out"), "--no-progress", cwd=course)
    scores = {name: json.loads((tmp_path / "out" / f"{name}.json").read_text()) for name in ("correct", "wrong", "stub")}
    assert scores["correct"]["score"] == scores["correct"]["max_score"] == 2, done.stdout
    assert scores["wrong"]["score"] == 1
    assert scores["stub"]["score"] == 0 and scores["stub"]["extra_data"]["diagnoses"] == ["not-implemented"]
    failed = [t for t in scores["wrong"]["tests"] if t["status"] == "failed"]
    # Summed over the wrong axis, ds has the batch's length: a wrong shape, or wrong values when N equals D.
    assert len(failed) == 1 and ("ds has shape" in failed[0]["output"] or "ds is not equal" in failed[0]["output"])
    assert engine_status() == before


def test_the_gradescope_bundle_grades_the_new_assignment(course, tmp_path):
    from tests.layers.test_frontends import run_autograder

    before = engine_status()
    run(str(BIN / "autograder"), "gradescope", "scale", "-o", str(tmp_path / "bundle"), cwd=course)
    for name, answer in submissions(course).items():
        stub = (course / "assignments" / "scale" / "scale.py").read_text()
        (tmp_path / f"{name}.py").write_text(stub[:stub.index("class Scale")] + answer + "\n")
        document = run_autograder(tmp_path / "bundle" / "autograder.zip", tmp_path / name, tmp_path / f"{name}.py",
                                  name="scale")
        assert document["max_score"] == 2 and document["score"] == {"correct": 2, "wrong": 1}[name]
    assert engine_status() == before


def test_stock_nbgrader_autograde_gives_the_same_scores(course):
    before = engine_status()
    release = nbformat.read(course / "assignments" / "scale" / "scale.ipynb", as_version=4)
    for student, answer in submissions(course).items():
        notebook = nbformat.from_dict(json.loads(json.dumps(release)))
        for cell in notebook.cells:
            if grade_id(cell) == "answer":
                cell.source = answer
        folder = course / "submitted" / student / "scale"
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / "scale.ipynb")
    run(sys.executable, "-m", "nbgrader", "autograde", "scale", cwd=course)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        totals = {student: book.find_submission_notebook("scale", "scale", student).score
                  for student in ("correct", "wrong")}
    assert totals == {"correct": 2.0, "wrong": 1.0}
    assert engine_status() == before
