"""`python celoss.py` runs the visible checks and exits 1 while any fails; the test cells' `validate` speaks plainly."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.course.assignment import load_assignment
from autograder.grading.engine import grade_path
from autograder.course.release import stub_source

from .conftest import CORPUS, RELEASE, REPO, load_file

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)


def solved_notebook() -> str:
    """The release with each answer cell replaced by the source notebook's solution, markers removed."""
    source = json.loads((REPO / "solutions" / "celoss" / "celoss.ipynb").read_text(encoding="utf-8"))
    answers = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in source["cells"]
               if c["metadata"].get("nbgrader", {}).get("solution")}
    notebook = json.loads((RELEASE / "celoss.ipynb").read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        grade_id = (cell["metadata"].get("nbgrader") or {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = SOLUTION_MARKERS.sub("", answers[grade_id])
    return json.dumps(notebook)


def run_script(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "celoss.py"], cwd=folder, capture_output=True, text=True, timeout=120)


@pytest.fixture
def release_copy(tmp_path) -> Path:
    for name in ("celoss.py", "celoss_checks.py"):
        shutil.copy2(RELEASE / name, tmp_path / name)
    return tmp_path


def test_the_stub_run_as_a_script_prints_todos_and_exits_1(release_copy):
    done = run_script(release_copy)
    assert done.returncode == 1, done.stderr
    assert "Part 1, CELoss.forward:\nTODO  CELoss.forward still raises NotImplementedError" in done.stdout
    assert "Part 4 (bonus), torch's options: not attempted (bonus)." in done.stdout
    assert done.stdout.rstrip().endswith("Exit status 1.")


def test_a_solved_script_passes_exits_0_and_grades_full_without_notes(release_copy):
    (release_copy / "celoss.py").write_text(stub_source(solved_notebook(), "celoss"), encoding="utf-8")
    done = run_script(release_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Gradient checker on the worked example:\nPASS  max|numeric - analytic| / max|analytic| = " in done.stdout
    assert done.stdout.rstrip().endswith("Every check passes. Hidden tests with other inputs decide the score.")
    report = grade_path(load_assignment("celoss", REPO), release_copy / "celoss.py")
    assert report.score == 12 and report.max_score == 10 and report.notes == (), report.notes  # 2 bonus points


def test_a_wrong_script_exits_1_and_says_why(release_copy):
    text = stub_source(solved_notebook(), "celoss")
    assert text.count("shifted = x - np.max(x, axis=1, keepdims=True)") == 2
    (release_copy / "celoss.py").write_text(text.replace("np.max(x, axis=1, keepdims=True)", "np.max(x)"))
    done = run_script(release_copy)
    assert done.returncode == 1
    assert "likely: one max is used for the whole batch (x.max())" in done.stdout


def test_a_script_without_the_checks_module_says_so(release_copy):
    (release_copy / "celoss_checks.py").unlink()
    done = run_script(release_copy)
    assert done.returncode == 1
    assert done.stderr.strip() == "celoss_checks.py is missing: keep it next to celoss.py, as it came in the release folder."


def validate(checks, capsys, part, namespace):
    checks.validate(part, namespace)
    return capsys.readouterr()


def test_validate_blames_only_the_student_and_never_points_at_cells_above(checks, capsys):
    class ReturnsNone:
        @staticmethod
        def forward(x, y):
            return None

    out = validate(checks, capsys, "forward", {"CELoss": ReturnsNone})
    assert out.out == ""
    assert "not a real number: None (NoneType)" in out.err and "raised" not in out.err
    assert "above" not in out.err.replace("the same as above", "")
    assert all(len(line) <= 76 for line in out.err.splitlines()), out.err


def test_validate_explains_a_crash_inside_the_students_helper(checks, capsys):
    module = load_file(CORPUS / "wrong" / "wrong_axis_crash.py")
    out = validate(checks, capsys, "forward", vars(module))
    assert "CELoss.forward raised" in out.err and out.out == ""


def test_validate_passes_quietly_and_treats_an_unattempted_bonus_as_no_failure(checks, capsys):
    module = load_file(CORPUS / "correct" / "vectorised.py")
    for part in ("forward", "backward", "stability"):
        out = validate(checks, capsys, part, vars(module))
        assert out.err == "" and "every public check passes; hidden tests with other inputs decide the score" in out.out
    out = validate(checks, capsys, "extensions", vars(module))
    assert out.err == "" and "not attempted (bonus)" in out.out


def test_validate_without_celoss_says_what_to_do(checks, capsys):
    out = validate(checks, capsys, "backward", {"np": np})
    assert out.err.startswith("CELoss is not defined: the answer cell did not run to its end.")
