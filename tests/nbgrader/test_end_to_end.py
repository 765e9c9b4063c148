"""Stock nbgrader commands on a temporary copy of the course give every student the engine's score.

Real CLI, real SQLite gradebook, real Jupyter kernel (for `nbgrader validate`). The students:

    correct     the reference solution pasted into the release
    noisy       correct, plus top-level code that prints to stderr and raises a numpy RuntimeWarning
    naive       softmax as exp(x) / sum(exp(x)), no max shift
    summed      the loss is the sum of the row losses, not the mean
    stub        the release, untouched
    cheater     the stub, plus a cell that patches numpy, builtins and the checks, and fake test outputs
    tamperer    `summed`, with test cells rewritten, one deleted, their points raised, and a forged one

Bonus: the extensions part is nbgrader extra credit, so nbgrader's maximum is the engine's (10) and both
totals count the bonus on top (a perfect submission has 12).
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.course.assignment import load_assignment
from autograder.grading.engine import grade_path

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NAME = "celoss"
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)
HIDDEN_TEST = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)

CHEAT_CELL = '''
import builtins, sys
import numpy as np
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: np.True_
np.testing.assert_allclose = lambda *a, **k: None
builtins.AssertionError = type("NeverRaised", (Exception,), {})
def report(*args, **kwargs):
    return True
class _Anything(float):
    def __eq__(self, other): return True
    __ne__ = lambda self, other: False
sys.modules["autograder"] = sys.modules["autograder.grading.markers"] = type(sys)("autograder")
print("3.0")
3.0
'''
NOISY_CELL = '''
import sys, warnings
import numpy as np
print("debug output on stderr", file=sys.stderr)
np.exp(np.array([1000.0]))  # RuntimeWarning: overflow encountered in exp
warnings.warn("a student's own warning")
'''
ROW_MAX_SHIFT = "shifted = x - np.max(x, axis=1, keepdims=True)"


def environment() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(REPO)}


def nbgrader(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "nbgrader", *args]
    result = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def start_nbgrader_chain(*commands: tuple[str, ...], cwd: Path) -> subprocess.Popen:
    """Run `nbgrader <command>` for each command, one after the other, in the background."""
    script = " && ".join(shlex.join([sys.executable, "-m", "nbgrader", *command]) for command in commands)
    return subprocess.Popen(["sh", "-c", script], cwd=cwd, env=environment(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finish(process: subprocess.Popen, check: bool = True) -> str:
    output, _ = process.communicate(timeout=300)
    if check and process.returncode != 0:
        raise AssertionError(f"{process.args} exited {process.returncode}:\n{output}")
    return output


def solved(release: nbformat.NotebookNode, source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The release with every solution cell's source replaced by the reference, markers removed."""
    answers = {c.metadata.nbgrader["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = SOLUTION_MARKERS.sub("", answers[grade_id])
    return notebook


def cell(notebook: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def replace_function(source: str, name: str, new: str) -> str:
    """Swap the top-level `def name(...)` block of `source` for `new`."""
    start = source.index(f"def {name}(")
    end = source.index("\n\n\n", start)
    return source[:start] + new.rstrip("\n") + source[end:]


def students(release: nbformat.NotebookNode, source: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    correct = solved(release, source)
    made = {"correct": correct, "stub": release}

    noisy = nbformat.from_dict(json.loads(json.dumps(correct)))
    noisy.cells.insert(2, nbformat.v4.new_code_cell(NOISY_CELL))
    made["noisy"] = noisy

    naive = nbformat.from_dict(json.loads(json.dumps(correct)))
    core = cell(naive, "celoss_core")
    assert core.source.count(ROW_MAX_SHIFT) == 2
    core.source = core.source.replace(ROW_MAX_SHIFT, "shifted = x  # no max shift")
    made["naive"] = naive

    summed = nbformat.from_dict(json.loads(json.dumps(correct)))
    core = cell(summed, "celoss_core")
    assert "return total / num_rows" in core.source
    core.source = core.source.replace("return total / num_rows", "return total")
    made["summed"] = summed

    cheater = nbformat.from_dict(json.loads(json.dumps(release)))
    cheater.cells.insert(2, nbformat.v4.new_code_cell(CHEAT_CELL))
    for test_cell in cheater.cells:
        if test_cell.metadata.get("nbgrader", {}).get("grade") and not test_cell.metadata.nbgrader.get("solution"):
            points = test_cell.metadata.nbgrader["points"]
            test_cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": str(points)}, execution_count=1)]
    made["cheater"] = cheater

    tamperer = nbformat.from_dict(json.loads(json.dumps(summed)))
    for grade_id in ("forward", "backward", "extensions"):
        test_cell = cell(tamperer, grade_id)
        test_cell.source = f"{test_cell.metadata.nbgrader['points']}"
        test_cell.metadata.nbgrader["points"] = 100
        test_cell.metadata.nbgrader["locked"] = False
    tamperer.cells.remove(cell(tamperer, "stability"))
    forged = nbformat.v4.new_code_cell("50")
    forged.metadata.nbgrader = {"grade": True, "solution": False, "grade_id": "forward_extra", "points": 50,
                                "locked": True, "schema_version": 3}
    tamperer.cells.append(forged)
    made["tamperer"] = tamperer
    return made


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> tuple[Path, subprocess.Popen]:
    """A course copy with released notebooks submitted; autograde, feedback and export run in the background."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions", root / "solutions", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(REPO / "graders", root / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    nbgrader("generate_assignment", NAME, "--force", cwd=root)
    release = nbformat.read(root / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    source = nbformat.read(root / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    for student, notebook in students(release, source).items():
        folder = root / "submitted" / student / NAME
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{NAME}.ipynb")
    return root, start_nbgrader_chain(("autograde", NAME), ("generate_feedback", NAME), ("export",), cwd=root)


@pytest.fixture(scope="module")
def engine_scores(pipeline) -> dict[str, object]:
    """`autograder grade`'s scores (the engine on the submitted files), computed while nbgrader runs."""
    root, _ = pipeline
    assignment = load_assignment(NAME, course_root=root)
    return {folder.name: grade_path(assignment, folder / NAME / f"{NAME}.ipynb", student_id=folder.name)
            for folder in sorted((root / "submitted").iterdir())}


@pytest.fixture(scope="module")
def course(pipeline, engine_scores) -> Path:
    root, process = pipeline
    finish(process)
    return root


@pytest.fixture(scope="module")
def gradebook(course) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    scores: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        for student in book.students:
            notebook = book.find_submission_notebook(NAME, NAME, student.id)
            scores[student.id] = {grade.name: grade.score for grade in notebook.grades}
    return scores


def test_validate_passes_on_the_solved_release_and_explains_the_stub(pipeline, tmp_path):
    """Runs first, while autograde works in the background."""
    course, _ = pipeline
    release = nbformat.read(course / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    nbformat.write(solved(release, source), tmp_path / "solved.ipynb")
    shutil.copy2(course / "assignments" / NAME / f"{NAME}.ipynb", tmp_path / "stub.ipynb")
    shutil.copy2(course / "assignments" / NAME / f"{NAME}_checks.py", tmp_path / f"{NAME}_checks.py")

    passed = nbgrader("validate", str(tmp_path / "solved.ipynb"), cwd=tmp_path)
    assert "Success! Your notebook passes all the tests." in passed.stdout, passed.stdout

    failed = nbgrader("validate", str(tmp_path / "stub.ipynb"), cwd=tmp_path, check=False)
    assert "VALIDATION FAILED" in failed.stdout, failed.stdout
    assert "Part 1, CELoss.forward (0 of 2 checks pass):\n    TODO  CELoss.forward still raises NotImplementedError" \
        in failed.stdout, failed.stdout
    assert "Traceback" not in failed.stdout


def test_gradebook_totals_and_export_equal_the_engine(course, engine_scores, gradebook):
    with open(course / "grades.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["assignment"] == NAME]  # export lists every assignment
    exported = {row["student_id"]: float(row["raw_score"]) for row in rows}
    assert {float(row["max_score"]) for row in rows} == {10.0}  # the bonus is extra credit, not in the maximum
    assert set(exported) == set(engine_scores) == set(gradebook)
    for student, report in engine_scores.items():
        assert exported[student] == pytest.approx(report.score), student
        assert sum(gradebook[student].values()) == pytest.approx(report.score), student
        for part, (got, _) in report.part_scores().items():
            assert gradebook[student][part] == pytest.approx(got), (student, part)


def test_scores_rank_the_students(engine_scores):
    score = {student: report.score for student, report in engine_scores.items()}
    assert score["correct"] == score["noisy"] == 12  # 10 core + 2 bonus
    assert score["stub"] == 0
    assert score["naive"] < score["correct"] and score["summed"] < score["correct"]


def test_no_cheat_gains_a_point(engine_scores, gradebook):
    assert sum(gradebook["cheater"].values()) == sum(gradebook["stub"].values()) == 0
    assert engine_scores["cheater"].score == engine_scores["stub"].score == 0
    assert gradebook["tamperer"] == gradebook["summed"]
    assert engine_scores["tamperer"].score == engine_scores["summed"].score


def distinctive_lines(texts) -> set[str]:
    lines = {line.strip() for text in texts for line in text.splitlines()}
    return {line for line in lines if len(line) >= 16 and not line.startswith(("#", '"""'))}


def test_feedback_has_messages_and_no_hidden_tests_graders_or_reference(course, engine_scores):
    cells = json.loads((course / "solutions" / NAME / f"{NAME}.ipynb").read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells]
    released = distinctive_lines("".join(c["source"]) for c in json.loads(
        (course / "assignments" / NAME / f"{NAME}.ipynb").read_text())["cells"])
    hidden = distinctive_lines(block for text in sources for block in HIDDEN_TEST.findall(text)) - released
    reference = distinctive_lines(block for text in sources for block in SOLUTION.findall(text)) - released
    graders = distinctive_lines(p.read_text() for p in load_assignment(NAME, course_root=course).graders_dir.glob("*.py"))
    assert len(hidden) > 20 and len(reference) > 30 and len(graders) > 100
    for student, report in engine_scores.items():
        text = html.unescape(re.sub(r"<[^>]+>", "", (course / "feedback" / student / NAME / f"{NAME}.html").read_text()))
        own = (course / "submitted" / student / NAME / f"{NAME}.ipynb").read_text()  # the student's code may match
        for secret in (hidden, reference, graders):
            leaked = {line for line in secret if line in text and json.dumps(line)[1:-1] not in own}
            assert not leaked, (student, sorted(leaked)[:3])
        assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
        for test in report.tests:
            if not test.passed and test.visibility != "hidden":
                assert test.message.strip().splitlines()[0] in text, (student, test.name)
        for bug in report.diagnoses:
            assert bug in text, (student, bug)
