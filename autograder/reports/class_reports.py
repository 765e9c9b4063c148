"""Class-level reports from `ScoreReport`s: grades.csv, a self-contained report.html, feedback files.

Reports are consumed one at a time: each student's feedback is written as its report arrives, and only a
`ClassSummary` (a few fields per student) is kept for the CSV and the HTML report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from autograder.grading.outcome import ScoreReport
from autograder.reports.feedback import write_feedback_file
from autograder.reports.grades_csv import write_grades_csv
from autograder.reports.html_report import write_html_report
from autograder.reports.readback import StaleResult, iter_results, load_results, read_results
from autograder.reports.standing import CourseContext, StandingJudge, standings
from autograder.reports.summary import ClassSummary, summarise

__all__ = ["ClassSummary", "CourseContext", "ReportPaths", "ScoreReport", "StaleResult", "iter_results", "load_results",
           "read_results", "standings", "summarise", "write_class_reports", "write_directory_reports"]


@dataclass(frozen=True)
class ReportPaths:
    """Where `write_class_reports` put each file."""

    grades_csv: Path
    report_html: Path
    feedback_dir: Path
    feedback_files: tuple[Path, ...]
    stale: tuple[StaleResult, ...] = ()  # results files left out: another schema, or damaged


def write_class_reports(reports: Iterable[ScoreReport], out_dir: Path, context: CourseContext | None = None,
                        ) -> ReportPaths:
    """Write feedback/<student>.md per report as it comes, then grades.csv and report.html; return their paths."""
    return _write(reports, Path(out_dir), context, [])


def write_directory_reports(out_dir: Path, context: CourseContext | None = None) -> ReportPaths:
    """Rebuild the class reports from every results file in `out_dir`, so a partial rerun never shrinks them.

    The results are streamed from disk: one report is in memory at a time."""
    stale: list[StaleResult] = []

    def reports() -> Iterable[ScoreReport]:
        for item in iter_results(out_dir):
            if isinstance(item, StaleResult):
                stale.append(item)
            else:
                yield item

    return _write(reports(), Path(out_dir), context, stale)


def _write(reports: Iterable[ScoreReport], out_dir: Path, context: CourseContext | None,
           stale: list[StaleResult]) -> ReportPaths:
    out_dir.mkdir(parents=True, exist_ok=True)
    feedback_dir = out_dir / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    judge = StandingJudge(context)
    summary = ClassSummary()
    feedback_files = []
    for report in reports:
        feedback_files.append(write_feedback_file(report, feedback_dir))
        summary.add(report, judge.standing(report))
    return ReportPaths(
        grades_csv=write_grades_csv(summary, out_dir / "grades.csv"),
        report_html=write_html_report(summary, out_dir / "report.html", feedback_dir=feedback_dir),
        feedback_dir=feedback_dir,
        feedback_files=tuple(feedback_files),
        stale=tuple(stale),
    )
