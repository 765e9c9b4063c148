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

__all__ = ["ClassReportWriter", "ClassSummary", "CourseContext", "ReportPaths", "ScoreReport", "StaleResult",
           "iter_results", "load_results", "read_results", "standings", "summarise", "write_class_reports",
           "write_directory_reports"]


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
    writer = ClassReportWriter(out_dir, context)
    for report in reports:
        writer.add(report)
    return writer.finish(rest_of_folder=False)


def write_directory_reports(out_dir: Path, context: CourseContext | None = None) -> ReportPaths:
    """Rebuild the class reports from every results file in `out_dir`, so a partial rerun never shrinks them.

    The results are streamed from disk: one report is in memory at a time."""
    return ClassReportWriter(out_dir, context).finish()


class ClassReportWriter:
    """The class reports of a results folder, written while its batch runs.

    `add` takes each report as its results file lands: its feedback is written at once and its row is
    kept. `finish` then reads back only the other results files of the folder (earlier runs'), adds
    them, and writes grades.csv and report.html: the same reports as `write_directory_reports` after
    the batch, without reading back the results the batch itself just wrote. If writing the feedback of
    a report added with its results file fails, nothing is streamed any more and `finish` rebuilds
    everything from the folder (where the same failure, if it lasts, is raised).
    """

    def __init__(self, out_dir: Path, context: CourseContext | None = None):
        self.out_dir = Path(out_dir)
        self.context = context
        self._start()
        self._streaming = True

    def _start(self) -> None:
        self.feedback_dir = self.out_dir / "feedback"  # made with the first file written: a refused batch leaves none
        self.judge = StandingJudge(self.context)
        self.summary = ClassSummary()
        self.feedback_files: list[Path] = []
        self.added: set[str] = set()  # stems of the results files whose reports were added

    def add(self, report: ScoreReport, results_file: Path | None = None) -> None:
        """Add `report`, just written to `results_file` in the folder (None: a report from elsewhere, whose
        failure to be written is raised)."""
        if not self._streaming:
            return
        try:
            self._write_feedback(report)
        except Exception:
            if results_file is None:
                raise
            self._streaming = False  # `finish` rebuilds from the folder
            return
        if results_file is not None:
            self.added.add(Path(results_file).stem)

    def _write_feedback(self, report: ScoreReport) -> None:
        self.feedback_dir.mkdir(parents=True, exist_ok=True)
        self.feedback_files.append(write_feedback_file(report, self.feedback_dir))
        self.summary.add(report, self.judge.standing(report))

    def finish(self, *, rest_of_folder: bool = True) -> ReportPaths:
        """Add the folder's other results files (if `rest_of_folder`), then write grades.csv and report.html."""
        if not self._streaming:
            self._start()
        stale: list[StaleResult] = []
        if rest_of_folder:
            others = {path.stem for path in self.out_dir.glob("*.json")} - self.added
            for item in iter_results(self.out_dir, others) if others else ():
                if isinstance(item, StaleResult):
                    stale.append(item)
                else:
                    self._write_feedback(item)
        self.feedback_dir.mkdir(parents=True, exist_ok=True)
        return ReportPaths(
            grades_csv=write_grades_csv(self.summary, self.out_dir / "grades.csv"),
            report_html=write_html_report(self.summary, self.out_dir / "report.html", feedback_dir=self.feedback_dir),
            feedback_dir=self.feedback_dir,
            feedback_files=tuple(self.feedback_files),
            stale=tuple(stale),
        )
