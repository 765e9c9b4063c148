"""The class digest the CSV and the HTML report are drawn from, built by streaming over reports one at a time.

Per student it keeps only the fields a row needs (`StudentRow`), with the names every row repeats (tests,
parts, grader version) stored once; everything else is a per-test or per-bug counter. So a results folder
of any size is summarised without holding its `ScoreReport`s.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from autograder.grading.outcome import Blame, ScoreReport
from autograder.reports.common import file_stem, student_name, test_label
from autograder.reports.standing import CourseContext, Standing, StandingJudge


@dataclass(frozen=True)
class StudentRow:
    """One student's line in grades.csv and in the report's table."""

    student: str
    submission: str
    feedback_stem: str
    score: float
    max_score: float
    part_scores: dict[str, tuple[float, float]]
    test_points: dict[str, float | None]  # None: the grader failed on that test, so it was not scored
    diagnoses: tuple[str, ...]
    grader_errors: int
    seed: int
    isolation: str
    grader_version: str
    sha256: str
    standing: Standing


@dataclass
class ClassSummary:
    """Rows plus class-wide counters; `add` one report at a time, then read."""

    assignment: str = ""
    rows: list[StudentRow] = field(default_factory=list)
    test_labels: dict[str, str] = field(default_factory=dict)  # test name -> label, in first-appearance order
    parts: dict[str, None] = field(default_factory=dict)  # in first-appearance order
    passed: Counter = field(default_factory=Counter)  # test name -> submissions passing (grader failures left out)
    graded: Counter = field(default_factory=Counter)  # test name -> submissions scored
    bugs: Counter = field(default_factory=Counter)  # bug id -> submissions showing it in the required tests
    bonus_bugs: Counter = field(default_factory=Counter)  # the same in the bonus tests
    grader_versions: set[str] = field(default_factory=set)

    def add(self, report: ScoreReport, standing: Standing) -> None:
        self.assignment = self.assignment or report.assignment
        for test in report.tests:
            self.test_labels.setdefault(test.name, test_label(test))
            self.parts.setdefault(test.part)
            if test.blame is not Blame.GRADER:
                self.graded[test.name] += 1
                self.passed[test.name] += test.passed
        self.bugs.update({bug for t in report.tests if not t.bonus for bug in t.bugs})
        self.bonus_bugs.update({bug for t in report.tests if t.bonus for bug in t.bugs})
        self.grader_versions.add(report.grader_version)
        self.rows.append(StudentRow(
            student=student_name(report), submission=report.submission, feedback_stem=file_stem(report),
            score=report.score, max_score=report.max_score,
            part_scores={sys.intern(part): points for part, points in report.part_scores().items()},
            test_points={sys.intern(t.name): None if t.blame is Blame.GRADER else t.points for t in report.tests},
            diagnoses=report.diagnoses, grader_errors=len(report.grader_errors), seed=report.seed,
            isolation=sys.intern(report.isolation), grader_version=sys.intern(report.grader_version),
            sha256=report.sha256,
            standing=standing,
        ))

    def sorted_rows(self) -> list[StudentRow]:
        return sorted(self.rows, key=lambda row: (row.student.lower(), row.submission))


def summarise(reports: Iterable[ScoreReport], context: CourseContext | None = None,
              standing: dict[str, Standing] | None = None) -> ClassSummary:
    """Summarise `reports` (any iterable, consumed once); `standing` overrides the one judged from `context`."""
    judge = StandingJudge(context)
    summary = ClassSummary()
    for report in reports:
        if standing is None:
            state = judge.standing(report)
        else:
            state = standing.get(report.submission, Standing(final_score=report.score, final_max=report.max_score))
        summary.add(report, state)
    return summary
