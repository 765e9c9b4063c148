"""Run one check and, only after it fails, name the misconception: "Checked -> got -> misconception -> fix".

Every assignment's graders use the same runner:

    run_check("CELoss.forward(x, y) against the reference.", lambda: compare_scalar(...),
              catalogue=CATALOGUE, diagnose=lambda failure: find_bug(failure, ...))

A `StudentError` raised inside the check (an exception in the student's code, a timeout, a refused
value) is a failure of the check, tagged by the catalogue when its kind names a bug. `diagnose`
runs only after a failure that no tag explains yet, and returns a bug id or None.
"""

from __future__ import annotations

from typing import Callable

from autograder.checks.catalogue import Catalogue
from autograder.checks.result import CheckResult
from autograder.errors import StudentError
from autograder.grading import expect


def run_check(
    checked: str, check: Callable[[], CheckResult], *, catalogue: Catalogue,
    diagnose: Callable[[CheckResult], str | None] | None = None,
) -> CheckResult:
    """Run `check`; on failure prefix what was checked, name the bug if one explains it, and fail the test."""
    try:
        result = check()
    except StudentError as error:
        result = CheckResult.fail(error.student_message, bug=catalogue.bug_for_error(error), error=error)
    if result.passed:
        return result
    failure = CheckResult(False, f"Checked: {checked}\n{result.message}", None, result.details)
    bug = result.bug or (diagnose(failure) if diagnose is not None else None)
    if bug:
        failure = failure.with_diagnosis(bug, catalogue.explain(bug))
    return expect(failure)
