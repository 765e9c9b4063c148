"""The pieces of `TrustedGrades`: part mapping, scores nbgrader reads back exactly, feedback text, hidden tests."""

from __future__ import annotations

import pytest
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_code_cell
from nbgrader.utils import compute_checksum, determine_grade

from autograder.reports.nbgrader_feedback import part_feedback
from autograder.frontends.nbgrader_plan import HIDDEN_PLACEHOLDER, cell_score, part_for_grade_id, strip_hidden_tests
from autograder.frontends.nbgrader_bonus import ExtraCreditCells, source_checksum
from autograder.frontends.nbgrader_plugin import (
    RestoreMissingCells, SaveExtraCredit, TrustedGrades, autograde_preprocessors, generate_preprocessors,
    sanitize_preprocessors, scored_outputs,
)
from autograder.grading.outcome import ScoreReport, TestOutcome


def test_cell(points: float, outputs: list) -> NotebookNode:
    cell = new_code_cell("# Autograder: Part 1")
    cell.metadata.nbgrader = {"grade": True, "solution": False, "grade_id": "forward", "points": points,
                              "locked": True, "schema_version": 3}
    cell.outputs = outputs
    return cell


test_cell.__test__ = False  # a helper, not a test


@pytest.mark.parametrize("grade_id, part", [("forward", "forward"), ("test_backward", "backward"),
                                            ("test_", "test_")])
def test_grade_id_names_the_part(grade_id, part):
    assert part_for_grade_id(grade_id) == part


@pytest.mark.parametrize("score", [0.0, 0.5, 1.5, 3.0, 2.9999999999])
def test_nbgrader_reads_back_exactly_the_engine_score(score):
    cell = test_cell(3, scored_outputs("forward: feedback\n", score, 1))
    assert determine_grade(cell) == (pytest.approx(score), 3.0)


def test_a_score_above_the_points_is_clamped_and_never_aborts():
    score = cell_score(got=5.0, graders_max=3.0, cell_points=3.0)
    assert score == 3.0
    assert determine_grade(test_cell(3, scored_outputs("", score, 1))) == (3.0, 3.0)


def test_graders_and_gradebook_maxima_that_differ_scale_the_score():
    assert cell_score(got=1.5, graders_max=3.0, cell_points=6.0) == 3.0
    assert cell_score(got=-1.0, graders_max=3.0, cell_points=3.0) == 0.0


def test_stdout_feedback_never_zeroes_a_cell_and_warnings_never_reach_it():
    outputs = scored_outputs("RuntimeWarning: overflow encountered in exp\n", 2.0, 1)
    assert [o.get("name") for o in outputs] == ["stdout", None]
    assert determine_grade(test_cell(3, outputs)) == (2.0, 3.0)


def test_hidden_test_region_is_replaced_by_one_placeholder():
    source = "# visible\ncheck()\n    ### BEGIN HIDDEN TESTS\n    assert secret()\n    ### END HIDDEN TESTS\ntail()"
    assert strip_hidden_tests(source) == f"# visible\ncheck()\n    {HIDDEN_PLACEHOLDER}\ntail()"
    assert strip_hidden_tests("no region") == "no region"


def report(*tests: TestOutcome) -> ScoreReport:
    return ScoreReport(assignment="celoss", submission="s", sha256="0" * 64, seed=1, isolation="bubblewrap",
                       grader_version="v", tests=tests)


def test_feedback_text_is_pinned():
    text = part_feedback(report(
        TestOutcome(name="a", part="forward", title="forward returns a scalar", points=1, max_points=1, passed=True),
        TestOutcome(name="b", part="forward", title="the loss equals the reference", points=0, max_points=2,
                    message="got 6.3, expected 2.1\nHow to fix it: divide by N.", bugs=("sum-not-mean",)),
        TestOutcome(name="c", part="forward", title="a secret probe", points=0, max_points=1,
                    message="x = [[1e4]]", visibility="hidden"),
        TestOutcome(name="d", part="backward", title="other part", points=0, max_points=4, message="not shown"),
    ), "forward", 1.0, 4.0)
    assert text == (
        "forward: 1 / 4 points (graded by the trusted autograder, outside your notebook's kernel)\n"
        "\n"
        "  PASS  forward returns a scalar (1/1)\n"
        "  FAIL  the loss equals the reference (0/2)\n"
        "        got 6.3, expected 2.1\n"
        "        How to fix it: divide by N.\n"
        "  FAIL  a secret probe (0/1)\n"
        "        details are hidden for this test\n"
        "\n"
        "Likely misconception(s): sum-not-mean\n"
    )


def test_config_replaces_execute_and_overwrite_cells_and_adds_extra_credit_only():
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import Execute, OverwriteCells, SaveAutoGrades

    defaults = Autograde.class_traits()
    default_autograde = defaults["autograde_preprocessors"].default()
    expected = [TrustedGrades if p is Execute else p for p in default_autograde]
    expected.insert(expected.index(SaveAutoGrades) + 1, SaveExtraCredit)
    assert autograde_preprocessors() == expected
    default_sanitize = defaults["sanitize_preprocessors"].default()
    assert sanitize_preprocessors() == [RestoreMissingCells if p is OverwriteCells else p for p in default_sanitize]


def test_the_extra_credit_checksum_is_nbgraders_for_the_cell_at_zero_points():
    cell = test_cell(2, [])
    cell.metadata.nbgrader["points"] = 0.0
    source = NotebookNode(name="forward", cell_type="code", source=cell.source, locked=True)
    assert source_checksum(source, points=0.0) == compute_checksum(cell)
    assert source_checksum(source, points=2.0) != compute_checksum(cell)


def test_generate_assignment_keeps_nbgraders_list_and_adds_extra_credit_cells_after_save_cells():
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import SaveCells

    expected = list(GenerateAssignment.class_traits()["preprocessors"].default())
    expected.insert(expected.index(SaveCells) + 1, ExtraCreditCells)
    assert generate_preprocessors() == expected
