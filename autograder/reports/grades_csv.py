"""grades.csv: one row per student with total, per-part and per-test points, diagnoses and provenance."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.outcome import Blame, ScoreReport
from autograder.reports.common import ordered_parts, ordered_tests, sorted_reports, student_name, write_text_atomic
from autograder.reports.lateness import describe
from autograder.reports.standing import Standing, standings

LEADING = ["student", "submission", "score", "max_score", "final_score", "final_max", "final_from", "problems",
           "submitted_at", "lateness", "seconds_late", "late_penalty"]
TRAILING = ["extra_credit", "manual_cells", "diagnoses", "grader_errors", "seed", "isolation", "grader_version",
            "sha256"]


def grade_columns(reports: list[ScoreReport]) -> list[str]:
    """The header: fixed leading columns, `part:<part>`, `test:<test>`, then fixed trailing columns."""
    parts = [f"part:{part}" for part in ordered_parts(reports)]
    tests = [f"test:{test.name}" for test in ordered_tests(reports)]
    return LEADING + parts + tests + TRAILING


def grade_rows(reports: list[ScoreReport], standing: dict[str, Standing] | None = None) -> list[dict[str, object]]:
    """One dict per student, keyed by `grade_columns`; a test the student did not get is left blank.

    `score` is the autograder's; `final_score` is the grade to record, and `final_from` says whose it is:
    "engine" (score - late penalty) or "gradebook" (nbgrader's auto + manual + extra credit - late penalty).
    """
    standing = standing if standing is not None else standings(reports)
    rows = []
    for report in sorted_reports(reports):
        state = standing.get(report.submission, Standing(final_score=report.score, final_max=report.max_score))
        row: dict[str, object] = {
            "student": student_name(report),
            "submission": report.submission,
            "score": _number(report.score),
            "max_score": _number(report.max_score),
            "final_score": _number(state.final_score),
            "final_max": _number(state.final_max),
            "final_from": state.final_from,
            "problems": "; ".join(state.problems),
            "submitted_at": state.lateness.submitted_at,
            "lateness": describe(state.lateness),
            "seconds_late": _number(state.lateness.seconds_late) if state.lateness.submitted_at else "",
            "late_penalty": _number(state.gradebook.late_penalty if state.gradebook else state.lateness.penalty),
            "extra_credit": _number(state.gradebook.extra_credit) if state.gradebook else "",
            "manual_cells": state.gradebook.manual_cells if state.gradebook else "",
            "diagnoses": " ".join(report.diagnoses),
            "grader_errors": len(report.grader_errors),
            "seed": report.seed,
            "isolation": report.isolation,
            "grader_version": report.grader_version,
            "sha256": report.sha256,
        }
        for part, (got, _most) in report.part_scores().items():
            row[f"part:{part}"] = _number(got)
        for test in report.tests:
            row[f"test:{test.name}"] = "" if test.blame is Blame.GRADER else _number(test.points)
        rows.append(row)
    return rows


def write_grades_csv(reports: list[ScoreReport], path: Path, standing: dict[str, Standing] | None = None) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=grade_columns(reports), restval="", extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(grade_rows(reports, standing))
    return write_text_atomic(Path(path), buffer.getvalue())


def _number(value: float) -> str:
    """Points without float noise: 3.0 -> "3", 2.5 -> "2.5"."""
    return f"{round(value, 6):g}"
