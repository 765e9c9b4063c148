"""The layers assignment through the other front ends: stock `nbgrader autograde` with the TrustedGrades plugin,
and the Gradescope bundle's run_autograder, each against the engine's own scores."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.course.assignment import load_assignment
from autograder.grading.engine import grade_path
from autograder.frontends.gradescope_zip import build_gradescope_zip

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NAME = "layers"
CORPUS = REPO / "tests" / "corpus" / "layers"
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)


def environment(**extra) -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(REPO), **extra}


def run(*command: str, cwd: Path, env=None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env or environment(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def solved(release, source):
    """The release with every answer cell replaced by the reference, markers removed."""
    answers = {grade_id(c): c.source for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in notebook.cells:
        if grade_id(cell) in answers:
            cell.source = SOLUTION_MARKERS.sub("", answers[grade_id(cell)])
    return notebook


def with_answer(notebook, cell_id: str, old: str, new: str):
    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    cell = next(c for c in copy.cells if grade_id(c) == cell_id)
    assert old in cell.source
    cell.source = cell.source.replace(old, new)
    return copy


@pytest.fixture(scope="module")
def nbgrader_course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions" / NAME, root / "solutions" / NAME)
    shutil.copytree(REPO / "graders" / NAME, root / "graders" / NAME, ignore=shutil.ignore_patterns("__pycache__"))
    run(sys.executable, "-m", "nbgrader", "generate_assignment", NAME, "--force", cwd=root)
    release = nbformat.read(root / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    correct = solved(release, nbformat.read(root / "solutions" / NAME / f"{NAME}.ipynb", as_version=4))
    backward = "return np.where(x > 0, dout, 0).astype(np.result_type(x, dout), copy=False)"
    students = {
        "correct": correct,
        "stub": release,
        "grad_at_zero": with_answer(correct, "relu_answer", backward, "return dout * (x >= 0)"),
        "writes_dout": with_answer(correct, "relu_answer", backward, "dout[x <= 0] = 0\n        return dout"),
        "db_keepdims": with_answer(correct, "linear_answer", "db = dout.sum(axis=0)",
                                   "db = dout.sum(axis=0, keepdims=True)"),
    }
    for student, notebook in students.items():
        folder = root / "submitted" / student / NAME
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{NAME}.ipynb")
    run(sys.executable, "-m", "nbgrader", "autograde", NAME, cwd=root)
    return root


def test_nbgrader_autograde_stores_the_engines_part_scores(nbgrader_course):
    from nbgrader.api import Gradebook

    assignment = load_assignment(NAME, course_root=nbgrader_course)
    with Gradebook(f"sqlite:///{nbgrader_course / 'gradebook.db'}") as book:
        for folder in sorted((nbgrader_course / "submitted").iterdir()):
            report = grade_path(assignment, folder / NAME / f"{NAME}.ipynb", student_id=folder.name)
            stored = {grade.name: grade.score for grade in book.find_submission_notebook(NAME, NAME, folder.name).grades}
            assert stored == {part: got for part, (got, _) in report.part_scores().items()}, folder.name
            expected_total = {"correct": 10, "stub": 0, "grad_at_zero": 9, "writes_dout": 8, "db_keepdims": 6}
            assert sum(stored.values()) == report.score == expected_total[folder.name], folder.name


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build_gradescope_zip(load_assignment(NAME, course_root=REPO), tmp_path_factory.mktemp("zip"))


def run_autograder(zip_path: Path, tmp_path: Path, submission: Path, name: str = NAME) -> dict:
    """Unpack the bundle into a mimic of Gradescope's /autograder, submit one file, run run_autograder."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):
        (root / "source" / name).chmod(0o755)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    shutil.copy2(submission, root / "submission" / f"{name}{submission.suffix}")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AUTOGRADER_", "PYTHON"))}
    env.update(AUTOGRADER_GRADESCOPE_ROOT=str(root), PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    run(str(root / "source" / "run_autograder"), cwd=tmp_path, env=env)
    return json.loads((root / "results" / "results.json").read_text())


def test_gradescope_bundle_holds_the_layers_graders_and_source(bundle):
    names = set(bundle.members)
    assert {f"course/solutions/{NAME}/{NAME}.ipynb", f"course/graders/{NAME}/assignment.toml",
            f"course/graders/{NAME}/test_relu.py"} <= names
    assert not any(name.startswith("course/graders/celoss/") for name in names)


@pytest.mark.parametrize("submission, score, bug", [
    ("correct/cs231n_reshape.py", 10, None),
    ("wrong/relu_mask_from_dout.py", 8, "relu-grad-from-dout"),
])
def test_gradescope_run_autograder_grades_layers(bundle, tmp_path, submission, score, bug):
    document = run_autograder(bundle.path, tmp_path, CORPUS / submission)
    assert document["max_score"] == 10 and document["score"] == score
    assert document["extra_data"]["diagnoses"] == ([bug] if bug else [])


def test_nbgrader_validate_passes_the_solved_release_and_explains_the_stub(nbgrader_course, tmp_path):
    """The student's view in a real Jupyter kernel: visible checks, gradient checker and test cells all run."""
    release = nbgrader_course / "assignments" / NAME / f"{NAME}.ipynb"
    solved_nb = solved(nbformat.read(release, as_version=4),
                       nbformat.read(nbgrader_course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4))
    nbformat.write(solved_nb, tmp_path / "solved.ipynb")
    shutil.copy2(release, tmp_path / "stub.ipynb")
    passed = run(sys.executable, "-m", "nbgrader", "validate", str(tmp_path / "solved.ipynb"), cwd=tmp_path)
    assert "Success! Your notebook passes all the tests." in passed.stdout, passed.stdout
    failed = run(sys.executable, "-m", "nbgrader", "validate", str(tmp_path / "stub.ipynb"), cwd=tmp_path)
    assert "VALIDATION FAILED" in failed.stdout
    assert "Part 1 is not done yet: Linear.forward still raises" in failed.stdout, failed.stdout
    assert "Traceback" not in failed.stdout
