"""A grader file that failed to load is its own field: counted as a grader error, shown to students as one sentence."""

from __future__ import annotations

from autograder.reports.gradescope_json import GRADER_FAILURE_TEXT, results_document
from autograder.grading.outcome import GraderFailure, ScoreReport, TestOutcome
from autograder.reports.feedback import feedback_markdown
from autograder.reports.grades_csv import grade_rows

TRACEBACK = "Traceback: graders/celoss/test_secret.py line 3: SECRET_PROBE = [[1e4, 0, -1e4]]"


def broken_graders_report() -> ScoreReport:
    return ScoreReport(
        assignment="celoss", submission="sam", sha256="a" * 64, seed=5, isolation="bubblewrap", grader_version="v",
        tests=(TestOutcome(name="test_forward.py::test_small", part="forward", points=2, max_points=2, passed=True),),
        grader_failures=(GraderFailure("test_secret.py", TRACEBACK),),
    )


def test_a_failed_grader_file_counts_as_a_grader_error_but_adds_no_test_or_part():
    report = broken_graders_report()
    assert [f.name for f in report.grader_errors] == ["test_secret.py"]
    assert report.part_scores() == {"forward": (2, 2)} and (report.score, report.max_score) == (2, 2)
    assert grade_rows([report])[0]["grader_errors"] == 1


def test_students_see_the_fixed_sentence_and_never_the_traceback():
    report = broken_graders_report()
    document = results_document(report)
    for student_text in (feedback_markdown(report), document["output"], *(t["output"] for t in document["tests"])):
        assert TRACEBACK not in student_text
    assert GRADER_FAILURE_TEXT in feedback_markdown(report) and GRADER_FAILURE_TEXT in document["output"]
    assert [t["number"] for t in document["tests"]] == ["test_forward.py::test_small"]
