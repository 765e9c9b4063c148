"""Class-level reports from a list of `ScoreReport`s: grades.csv, a self-contained report.html, feedback files."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from autograder.outcome import ScoreReport
from autograder.reports.feedback import write_feedback
from autograder.reports.grades_csv import write_grades_csv
from autograder.reports.html_report import write_html_report
from autograder.reports.readback import StaleResult, load_results, read_results
from autograder.reports.standing import CourseContext, standings

__all__ = ["CourseContext", "ReportPaths", "StaleResult", "load_results", "read_results", "write_class_reports",
           "write_directory_reports"]


@dataclass(frozen=True)
class ReportPaths:
    """Where `write_class_reports` put each file."""

    grades_csv: Path
    report_html: Path
    feedback_dir: Path
    feedback_files: tuple[Path, ...]
    stale: tuple[StaleResult, ...] = ()  # results files left out: another schema, or damaged


def write_class_reports(reports: list[ScoreReport], out_dir: Path, context: CourseContext | None = None) -> ReportPaths:
    """Write grades.csv, report.html and feedback/<student>.md into `out_dir`; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    feedback_dir = out_dir / "feedback"
    feedback_files = write_feedback(reports, feedback_dir)
    standing = standings(reports, context)
    return ReportPaths(
        grades_csv=write_grades_csv(reports, out_dir / "grades.csv", standing),
        report_html=write_html_report(reports, out_dir / "report.html", feedback_dir=feedback_dir, standing=standing),
        feedback_dir=feedback_dir,
        feedback_files=tuple(feedback_files),
    )


def write_directory_reports(out_dir: Path, context: CourseContext | None = None) -> ReportPaths:
    """Rebuild the class reports from every results file in `out_dir`, so a partial rerun never shrinks them."""
    folder = read_results(out_dir)
    return replace(write_class_reports(list(folder.reports), out_dir, context), stale=folder.stale)
