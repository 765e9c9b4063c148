"""Render one part of a `ScoreReport` as the plain text shown under an nbgrader test cell."""

from __future__ import annotations

import textwrap

from autograder.grading.outcome import ScoreReport, TestOutcome

GRADER_NOTE = "graded by the trusted autograder, outside your notebook's kernel"
HIDDEN_TEST_TEXT = "details are hidden for this test"


def part_feedback(report: ScoreReport, part: str, score: float, points: float, *, extra_credit: bool = False) -> str:
    """The part's score, then one line per test (message indented under failures), then the diagnoses."""
    tests = [t for t in report.tests if t.part == part]
    bonus = " (bonus)" if tests and all(t.bonus for t in tests) else ""
    unit = "extra-credit points" if extra_credit else "points"
    lines = [f"{part}{bonus}: {score:g} / {points:g} {unit} ({GRADER_NOTE})", ""]
    for test in tests:
        lines.extend(_test_lines(test))
    bugs = sorted({bug for t in tests for bug in t.bugs})
    if bugs:
        lines += ["", "Likely misconception(s): " + ", ".join(bugs)]
    return "\n".join(lines).rstrip() + "\n"


def submission_notes(report: ScoreReport) -> str:
    """Notes about the whole notebook (cells that raised, magics not run), shown once, above the first part."""
    if not report.notes:
        return ""
    return "".join(f"Note: {note}\n" for note in report.notes) + "\n"


def _test_lines(test: TestOutcome) -> list[str]:
    mark = "PASS" if test.passed else "FAIL"
    title = test.title or test.name
    lines = [f"  {mark}  {title} ({test.points:g}/{test.max_points:g})"]
    if test.passed:
        return lines
    message = HIDDEN_TEST_TEXT if test.visibility == "hidden" else (test.message or "failed")
    lines.extend(textwrap.indent(message.rstrip(), " " * 8).splitlines())
    return lines
