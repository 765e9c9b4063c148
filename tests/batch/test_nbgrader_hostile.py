"""Stock `nbgrader autograde` on hostile submissions: each scores at most its twin, and feedback shows nothing refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.course.seeding import SECRET_FILENAME, course_secret
from tests.nbgrader.test_end_to_end import NAME, REPO, nbgrader, solved

from .hostile import FORGE, REWRITES

pytestmark = pytest.mark.slow


def _students(root: Path) -> dict[str, object]:
    """Each student's notebook (or a callable making a link), keyed by name."""
    release = nbformat.read(root / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    source = nbformat.read(root / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    correct = solved(release, source)
    made: dict[str, object] = {"correct": correct}
    for trick in ("deep_header", "cell_errors_text"):
        notebook = nbformat.from_dict(json.loads(json.dumps(correct)))
        notebook.cells.insert(1, nbformat.v4.new_code_cell(FORGE + REWRITES[trick]))
        made[trick] = notebook
    big = nbformat.from_dict(json.loads(json.dumps(correct)))
    text = ["epoch 0001 loss 2.302585 accuracy 0.1000\n"] * (60 * 2**20 // 41 + 1)
    big.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="".join(text))]
    made["big_outputs"] = big
    made["link_to_source"] = root / "solutions" / NAME / f"{NAME}.ipynb"
    made["link_to_secret"] = root / SECRET_FILENAME
    return made


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions", root / "solutions", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(REPO / "graders", root / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    course_secret(root)
    nbgrader("generate_assignment", NAME, "--force", cwd=root)
    for student, notebook in _students(root).items():
        folder = root / "submitted" / student / NAME
        folder.mkdir(parents=True)
        if isinstance(notebook, Path):
            (folder / f"{NAME}.ipynb").symlink_to(notebook)
        else:
            nbformat.write(notebook, folder / f"{NAME}.ipynb")
    nbgrader("autograde", NAME, cwd=root, check=False)
    nbgrader("generate_feedback", NAME, cwd=root, check=False)
    return root


@pytest.fixture(scope="module")
def totals(course) -> dict[str, float]:
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        for student in book.students:
            try:
                notebook = book.find_submission_notebook(NAME, NAME, student.id)
            except MissingEntry:
                continue
            scores[student.id] = sum(grade.score for grade in notebook.grades)
    return scores


def test_the_twin_gets_full_marks_and_big_outputs_never_count(totals):
    assert totals["correct"] == 12  # 10 core + 2 bonus
    assert totals["big_outputs"] == totals["correct"]


@pytest.mark.parametrize("trick", ["deep_header", "cell_errors_text", "link_to_source", "link_to_secret"])
def test_each_trick_scores_at_most_its_twin(totals, trick):
    assert totals.get(trick, 0.0) <= totals["correct"]
    if trick != "link_to_secret":  # nbgrader itself cannot parse the secret as a notebook: nothing is scored
        assert trick in totals and totals[trick] == 0, trick


def test_forged_replies_are_scored_as_the_students_failure(course, totals):
    for trick in ("deep_header", "cell_errors_text"):
        assert (course / "autograded" / trick / NAME / f"{NAME}.ipynb").is_file(), trick


def test_feedback_never_shows_a_linked_file(course):
    secret = (course / SECRET_FILENAME).read_text().strip()
    reference = nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    answers = [line.strip() for cell in reference.cells if cell.metadata.get("nbgrader", {}).get("solution")
               for line in cell.source.splitlines() if len(line.strip()) > 24 and not line.strip().startswith("#")]
    assert answers
    feedback = course / "feedback" / "link_to_source" / NAME / f"{NAME}.html"
    assert feedback.is_file()
    text = feedback.read_text()
    assert "not a regular file" in text
    assert not [line for line in answers if line in text]
    for path in (course / "feedback").rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(errors="replace"), path
