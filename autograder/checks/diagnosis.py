"""Run one check and, only after it fails, name the misconception: "Checked -> got -> misconception -> fix".

Every assignment's graders use the same runner:

    run_check("CELoss.forward(x, y) against the reference.", lambda: compare_scalar(...),
              catalogue=CATALOGUE, diagnose=lambda failure: find_bugs(failure, ...))

A `StudentError` raised inside the check (an exception in the student's code, a timeout, a refused
value) is a failure of the check, tagged by the catalogue when its kind names a bug. `diagnose`
runs only after a failure that no tag explains yet. It returns None, a bug id, a `Finding` (a bug
id with the evidence that exposed it), or a sequence of those when several bugs are at work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence, Union

from autograder.checks.catalogue import Catalogue
from autograder.checks.result import CheckResult
from autograder.errors import StudentError
from autograder.grading.markers import expect


@dataclass(frozen=True)
class Finding:
    """One misconception the diagnosis found, and what it saw: the probe that exposes it and its result."""

    bug: str
    evidence: str = ""


Diagnosis = Union[None, str, Finding, Sequence[Union[str, Finding]]]


def findings(diagnosis: Diagnosis) -> tuple[Finding, ...]:
    """Whatever a diagnosis returned, as a tuple of `Finding`s (duplicates dropped, order kept)."""
    if diagnosis is None:
        return ()
    items = [diagnosis] if isinstance(diagnosis, (str, Finding)) else list(diagnosis)
    seen, out = set(), []
    for item in items:
        finding = item if isinstance(item, Finding) else Finding(item)
        if finding.bug not in seen:
            seen.add(finding.bug)
            out.append(finding)
    return tuple(out)


def explain(failure: CheckResult, diagnosis: Diagnosis, catalogue: Catalogue) -> CheckResult:
    """`failure` with each finding's evidence and the catalogue's explanation appended."""
    for finding in findings(diagnosis):
        text = catalogue.explain(finding.bug)
        failure = failure.with_diagnosis(finding.bug, f"{finding.evidence}\n{text}" if finding.evidence else text)
    return failure


def run_check(
    checked: str, check: Callable[[], CheckResult], *, catalogue: Catalogue,
    diagnose: Callable[[CheckResult], Diagnosis] | None = None,
) -> CheckResult:
    """Run `check`; on failure prefix what was checked, name the bugs that explain it, and fail the test."""
    try:
        result = check()
    except StudentError as error:
        result = CheckResult.fail(error.student_message, bug=catalogue.bug_for_error(error), error=error)
    if result.passed:
        return result
    failure = CheckResult(False, f"Checked: {checked}\n{result.message}", None, result.details)
    if result.bugs:
        failure = explain(failure, result.bugs, catalogue)
    elif diagnose is not None:
        failure = explain(failure, diagnose(failure), catalogue)
    return expect(failure)
