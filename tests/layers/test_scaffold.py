"""`autograder new NAME`: the scaffold it writes, what it refuses, and that the scaffold grades as it stands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.frontends.cli import main
from autograder.course.assignment import load_assignment
from autograder.grading.engine import grade_submission
from autograder.errors import GraderError
from autograder.submission.extract import read_submission
from autograder.course.release import build_release
from autograder.course.scaffold import check_name, class_name_for, create_assignment

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(tmp_path) -> Path:
    shutil.copy2(REPO / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    return tmp_path


def test_new_writes_a_declared_assignment_with_markers(course):
    made = create_assignment("batch_norm", course)
    assert made.class_name == "BatchNorm"
    assert sorted(str(p.relative_to(course)) for p in made.files) == sorted([
        "solutions/batch_norm/batch_norm.ipynb", "graders/batch_norm/assignment.toml",
        "graders/batch_norm/__init__.py", "graders/batch_norm/test_core.py", "graders/batch_norm/RUBRIC.md"])
    assignment = load_assignment("batch_norm", course)
    assert assignment.declaration.api == {"BatchNorm": ("forward", "backward")}
    cells = json.loads(assignment.source_notebook.read_text())["cells"]
    sources = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in cells}
    assert "### BEGIN SOLUTION" in sources["answer"] and "### BEGIN HIDDEN TESTS" in sources["core"]
    assert cells[3]["metadata"]["tags"] == ["autograder:skip"]
    assert '@pytest.mark.part("core")' in (course / "graders" / "batch_norm" / "test_core.py").read_text()


@pytest.mark.slow
def test_the_scaffold_grades_as_it_stands(course):
    create_assignment("double", course)
    assignment = load_assignment("double", course)
    release = build_release(assignment)
    reference = grade_submission(assignment, read_submission(assignment.source_notebook), seed=0)
    assert reference.score == reference.max_score == 2 and not reference.grader_errors
    stub = grade_submission(assignment, read_submission(release / "double.py"), seed=0)
    assert stub.score == 0 and stub.diagnoses == ("not-implemented",)


@pytest.mark.parametrize("name, reason", [
    ("Scale", "must be lowercase letters"), ("2d", "must be lowercase letters"), ("a-b", "must be lowercase letters"),
    ("../evil", "must be lowercase letters"), ("numpy", "already an importable Python module"),
    ("pytest", "already an importable Python module"), ("autograder", "already an importable Python module"),
])
def test_names_that_cannot_be_a_graders_package_are_refused(name, reason):
    with pytest.raises(GraderError, match=reason):
        check_name(name)


def test_nothing_is_overwritten_and_a_folder_without_a_config_is_no_course(course, tmp_path_factory):
    create_assignment("scale", course)
    notebook = course / "solutions" / "scale" / "scale.ipynb"
    notebook.write_text("edited")
    with pytest.raises(GraderError, match="already exists; `autograder new` never overwrites"):
        create_assignment("scale", course)
    assert notebook.read_text() == "edited"
    (course / "graders" / "other").mkdir(parents=True)
    with pytest.raises(GraderError, match="graders/other already exists"):
        create_assignment("other", course)
    assert not (course / "solutions" / "other").exists()
    with pytest.raises(GraderError, match="is not a course: it has no nbgrader_config.py"):
        create_assignment("scale", tmp_path_factory.mktemp("empty"))


def test_cli_new_reports_created_files_and_exit_codes(course, monkeypatch):
    runner = CliRunner()
    done = runner.invoke(main, ["new", "scale", "--course", str(course)])
    assert done.exit_code == 0, done.output
    assert "created solutions/scale/scale.ipynb" in done.output
    assert "next: edit solutions/scale/scale.ipynb and graders/scale/" in done.output
    again = runner.invoke(main, ["new", "scale", "--course", str(course)])
    assert again.exit_code == 2 and "error:" in again.output
    monkeypatch.chdir(course / "solutions")  # inside the course: found upwards
    monkeypatch.delenv("AUTOGRADER_COURSE_ROOT", raising=False)
    assert runner.invoke(main, ["new", "shift"]).exit_code == 0
    assert (course / "graders" / "shift" / "assignment.toml").is_file()


def test_class_names():
    assert [class_name_for(n) for n in ("scale", "batch_norm", "conv2d", "a__b")] == ["Scale", "BatchNorm", "Conv2d", "AB"]
