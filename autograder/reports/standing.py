"""Each student's standing beyond the engine's score: problems, lateness, and the final grade with its source."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from autograder.grading.outcome import ScoreReport
from autograder.reports.common import student_name
from autograder.reports.lateness import Lateness, assess
from autograder.reports.problems import submission_problems

ENGINE = "engine"
GRADEBOOK = "gradebook"
FINAL_LABELS = {
    ENGINE: "final = autograder score - late penalty",
    GRADEBOOK: "final = nbgrader gradebook: auto + manual + extra credit - late penalty",
}


@dataclass(frozen=True)
class GradebookGrade:
    """One student's grade as nbgrader's gradebook holds it (what formgrader and `nbgrader export` show)."""

    score: float  # auto or manual per cell, plus extra credit
    max_score: float
    extra_credit: float
    manual_cells: int  # cells whose score a grader set by hand
    late_penalty: float

    @property
    def final(self) -> float:
        return max(0.0, self.score - self.late_penalty)


@dataclass(frozen=True)
class Standing:
    problems: tuple[str, ...] = ()
    lateness: Lateness = field(default_factory=Lateness)
    final_score: float = 0.0
    final_max: float = 0.0
    final_from: str = ENGINE
    gradebook: GradebookGrade | None = None


@dataclass(frozen=True)
class CourseContext:
    """What the class reports need from the course: due date, late policy, and the gradebook if there is one."""

    due: datetime | None = None
    late_policy: str = "none"
    gradebook_url: str | None = None


def standings(reports: list[ScoreReport], context: CourseContext | None = None) -> dict[str, Standing]:
    """{submission name: Standing} for every report."""
    judge = StandingJudge(context)
    return {report.submission: judge.standing(report) for report in reports}


class StandingJudge:
    """Each report's standing, one at a time; the gradebook is read once, and only if a report needs it
    (a report from nbgrader's layout, which carries a student id), so a flat batch never imports nbgrader."""

    def __init__(self, context: CourseContext | None = None):
        self.context = context or CourseContext()
        self._grades: dict[str, GradebookGrade] | None = None

    def standing(self, report: ScoreReport) -> Standing:
        context = self.context
        lateness = assess(report.submitted_at or "", context.due, context.late_policy, report.score)
        grade = self._gradebook(report.assignment).get(student_name(report)) if report.student_id else None
        if grade is not None:
            return Standing(submission_problems(report), lateness, grade.final, grade.max_score, GRADEBOOK, grade)
        return Standing(submission_problems(report), lateness, max(0.0, report.score - lateness.penalty),
                        report.max_score, ENGINE)

    def _gradebook(self, assignment: str) -> dict[str, GradebookGrade]:
        if self._grades is None:
            self._grades = read_gradebook(self.context.gradebook_url, assignment) if self.context.gradebook_url else {}
        return self._grades


def read_gradebook(db_url: str, assignment: str) -> dict[str, GradebookGrade]:
    """{student id: GradebookGrade} for every submission of `assignment` in the gradebook at `db_url`."""
    if db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).is_file():
        return {}
    from nbgrader.api import Gradebook, MissingEntry

    grades: dict[str, GradebookGrade] = {}
    with Gradebook(db_url) as gradebook:
        try:
            submissions = gradebook.find_assignment(assignment).submissions
        except MissingEntry:
            return {}
        for submission in submissions:
            cells = [grade for notebook in submission.notebooks for grade in notebook.grades]
            grades[submission.student.id] = GradebookGrade(
                score=float(submission.score or 0.0),
                max_score=float(submission.max_score or 0.0),
                extra_credit=sum(float(g.extra_credit or 0.0) for g in cells),
                manual_cells=sum(1 for g in cells if g.manual_score is not None),
                late_penalty=float(submission.late_submission_penalty or 0.0),
            )
    return grades
