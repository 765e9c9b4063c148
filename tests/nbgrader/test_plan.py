"""`plan_grades`, the pure part of `TrustedGrades`: what each test cell becomes, from a notebook and a report alone."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.utils import determine_grade

from autograder.errors import GraderError
from autograder.reports.nbgrader_feedback import part_feedback
from autograder.frontends.nbgrader_plan import HIDDEN_PLACEHOLDER, CellKind, plan_grades
from autograder.frontends.nbgrader_plugin import write_plan
from autograder.grading.outcome import ScoreReport, TestOutcome

GRADERS = Path("graders/celoss")
HIDDEN_SOURCE = "check()\n### BEGIN HIDDEN TESTS\nassert secret()\n### END HIDDEN TESTS"


def grade_cell(grade_id: str, points: float, source: str = HIDDEN_SOURCE):
    cell = new_code_cell(source)
    cell.metadata.nbgrader = {"grade": True, "solution": False, "grade_id": grade_id, "points": points,
                              "locked": True, "schema_version": 3}
    return cell


def answer_cell():
    cell = new_code_cell("class CELoss: ...")
    cell.metadata.nbgrader = {"grade": False, "solution": True, "grade_id": "answer", "locked": False,
                              "schema_version": 3}
    return cell


def notebook(*cells):
    return new_notebook(cells=[new_markdown_cell("# CELoss"), answer_cell(), *cells])


def report(*tests: TestOutcome, notes: tuple[str, ...] = ()) -> ScoreReport:
    return ScoreReport(assignment="celoss", submission="s", sha256="0" * 64, seed=1, isolation="bubblewrap",
                       grader_version="v", tests=tests, notes=notes)


FORWARD = (TestOutcome(name="f1", part="forward", points=1, max_points=1, passed=True),
           TestOutcome(name="f2", part="forward", points=0, max_points=2, message="got 6.3", bugs=("sum-not-mean",)))
BACKWARD = (TestOutcome(name="b1", part="backward", points=4, max_points=4, passed=True),)
BONUS = (TestOutcome(name="e1", part="extensions", points=1.5, max_points=2, passed=True, bonus=True),)


def plan(nb, score_report, points, **options):
    return plan_grades(nb, score_report, points, readable=options.pop("readable", True), graders_dir=GRADERS,
                       **options)


def test_each_test_cell_gets_its_parts_score_feedback_and_gradebook_points():
    nb = notebook(grade_cell("forward", 3), grade_cell("test_backward", 4))
    graded = report(*FORWARD, *BACKWARD, notes=("cell 2 raised",))
    result = plan(nb, graded, {"forward": 3.0, "test_backward": 4.0})
    forward, backward = result.cells
    assert (forward.index, forward.grade_id, forward.kind, forward.points, forward.score) == (
        2, "forward", CellKind.SCORED, 3.0, 1.0)
    assert forward.feedback == "Note: cell 2 raised\n\n" + part_feedback(graded, "forward", 1.0, 3.0)
    assert (backward.grade_id, backward.score, backward.points) == ("test_backward", 4.0, 4.0)
    assert backward.feedback == part_feedback(graded, "backward", 4.0, 4.0)  # the notes are shown once
    assert forward.source == backward.source == f"check()\n{HIDDEN_PLACEHOLDER}"
    assert result.warnings == () and result.extra_credit == {} and not result.withhold_unread


def test_planning_reads_the_notebook_and_never_changes_it():
    nb = notebook(grade_cell("forward", 3))
    before = copy.deepcopy(nb)
    result = plan(nb, report(*FORWARD), {"forward": 3.0})
    assert nb == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.cells[0].score = 3.0


def test_a_bonus_part_is_extra_credit_on_a_cell_worth_zero():
    nb = notebook(grade_cell("forward", 3), grade_cell("extensions", 2))
    graded = report(*FORWARD, *BONUS)
    result = plan(nb, graded, {"forward": 3.0, "extensions": 2.0})
    bonus = result.cells[1]
    assert (bonus.kind, bonus.points, bonus.score, bonus.extra_credit, bonus.gradebook_points) == (
        CellKind.EXTRA_CREDIT, 0.0, 0.0, 1.5, 2.0)
    assert bonus.feedback == part_feedback(graded, "extensions", 1.5, 2.0, extra_credit=True)
    assert result.extra_credit == {"extensions": 1.5}


def test_gradebook_points_that_differ_from_the_graders_scale_the_score_with_a_warning():
    result = plan(notebook(grade_cell("forward", 3)), report(*FORWARD, *BACKWARD), {"forward": 6.0})
    assert (result.cells[0].score, result.cells[0].points) == (2.0, 6.0)
    assert result.warnings == (
        "TrustedGrades: part 'forward' is worth 3 in the graders but 6 in the gradebook; scaling",
        "TrustedGrades: part 'backward' has graders but no test cell; nbgrader does not count it",
    )


def test_a_cell_the_gradebook_does_not_know_becomes_ungraded():
    result = plan(notebook(grade_cell("forward", 3), grade_cell("made_up", 9)), report(*FORWARD), {"forward": 3.0})
    assert [(c.grade_id, c.kind) for c in result.cells] == [("forward", CellKind.SCORED),
                                                            ("made_up", CellKind.NOT_IN_GRADEBOOK)]
    assert result.cells[1].source == f"check()\n{HIDDEN_PLACEHOLDER}"
    assert result.warnings == ("TrustedGrades: test cell 'made_up' is not in the gradebook; it is not graded",)


def test_a_cell_whose_part_has_no_graders_is_not_scored():
    with pytest.raises(GraderError, match=r"test cell 'stability' needs hidden graders marked part\('stability'\)"):
        plan(notebook(grade_cell("stability", 3)), report(*FORWARD), {"stability": 3.0})


def test_two_cells_of_one_part_are_not_scored():
    with pytest.raises(GraderError, match="two test cells map to part 'forward'"):
        plan(notebook(grade_cell("forward", 3), grade_cell("test_forward", 3)), report(*FORWARD),
             {"forward": 3.0, "test_forward": 3.0})


def test_the_prefix_and_delimiters_are_the_courses():
    nb = notebook(grade_cell("q_forward", 3, "a\n# HIDE\nb\n# SHOW\nc"))
    result = plan(nb, report(*FORWARD), {"q_forward": 3.0}, test_cell_prefix="q_",
                  hidden_delimiters=("HIDE", "SHOW"))
    assert result.cells[0].source == f"a\n{HIDDEN_PLACEHOLDER}\nc"


def test_an_unread_submission_withholds_the_cells_nbgrader_read():
    nb = notebook(grade_cell("forward", 3))
    result = plan(nb, report(*FORWARD), {"forward": 3.0}, readable=False)
    assert result.withhold_unread
    write_plan(nb, result)
    assert "class CELoss" not in nb.cells[1].source and nb.cells[2].source == f"check()\n{HIDDEN_PLACEHOLDER}"


def test_the_written_plan_is_what_nbgrader_reads():
    nb = notebook(grade_cell("forward", 3), grade_cell("extensions", 2), grade_cell("made_up", 1))
    write_plan(nb, plan(nb, report(*FORWARD, *BONUS), {"forward": 3.0, "extensions": 2.0}))
    forward, bonus, unknown = nb.cells[2:]
    assert determine_grade(forward) == (1.0, 3.0) and forward.outputs[0].text.startswith("forward: 1 / 3 points")
    assert determine_grade(bonus) == (0.0, 0.0) and "extra-credit points" in bonus.outputs[0].text
    assert unknown.metadata.nbgrader["grade"] is False and unknown.outputs == []
