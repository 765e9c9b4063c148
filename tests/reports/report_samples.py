"""Hand-built `ScoreReport`s for the report tests: a small class with bugs, a grader error, a hidden test."""

from __future__ import annotations

from autograder.grading.outcome import Blame, ScoreReport, TestOutcome

SECRET_HIDDEN_MESSAGE = "HIDDEN-INPUT x=[[1e4, 0, -1e4]] SHOULD NEVER REACH A STUDENT"
GRADER_TRACEBACK = "Traceback (most recent call last): File autograder/graders/celoss/test_secret.py"

TESTS = (
    ("forward::test_small", "forward", "loss on small inputs", 2.0),
    ("forward::test_large_logits", "stability", "loss with large logits", 3.0),
    ("backward::test_gradient", "backward", "gradient matches", 3.0),
    ("backward::test_dout", "backward", "dout scaling", 1.0),
    ("extension::test_weight", "extension", "weight keyword", 1.0),
)


def make_report(name: str, failing: dict[str, str] = {}, *, student_id=None, grader_error=None,
                hidden=None, notes=()) -> ScoreReport:
    """A report in which every test passes except those in `failing` ({test name: bug id})."""
    outcomes = []
    for test, part, title, points in TESTS:
        bug = failing.get(test)
        error = test == grader_error
        passed = bug is None and not error
        message = (GRADER_TRACEBACK if error else
                   SECRET_HIDDEN_MESSAGE if test == hidden else
                   "" if passed else f"{title}: wrong answer; likely {bug}. Fix it by subtracting each row's max.")
        outcomes.append(TestOutcome(
            name=test, part=part, title=title, points=points if passed else 0.0, max_points=points,
            passed=passed, message=message, bugs=(bug,) if bug else (),
            visibility="hidden" if test == hidden else "visible", bonus=part == "extension",
            blame=Blame.GRADER if error else Blame.NONE,
        ))
    return ScoreReport(assignment="celoss", submission=name, sha256=f"{abs(hash(name)):064x}"[:64], seed=len(name),
                       isolation="bubblewrap", grader_version="0.1.0+test", tests=tuple(outcomes),
                       notes=tuple(notes), execution_time=0.5, student_id=student_id)
