"""grades.csv: one row per student with total, per-part and per-test points, diagnoses and provenance."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.grading.outcome import ScoreReport
from autograder.reports.common import write_text_atomic
from autograder.reports.lateness import describe
from autograder.reports.standing import Standing
from autograder.reports.summary import ClassSummary, summarise

LEADING = ["student", "submission", "score", "max_score", "final_score", "final_max", "final_from", "problems",
           "submitted_at", "lateness", "seconds_late", "late_penalty"]
TRAILING = ["extra_credit", "manual_cells", "diagnoses", "grader_errors", "seed", "isolation", "grader_version",
            "sha256"]


def grade_columns(summary: ClassSummary) -> list[str]:
    """The header: fixed leading columns, `part:<part>`, `test:<test>`, then fixed trailing columns."""
    parts = [f"part:{part}" for part in summary.parts]
    tests = [f"test:{name}" for name in summary.test_labels]
    return LEADING + parts + tests + TRAILING


def grade_rows(reports: list[ScoreReport] | ClassSummary,
               standing: dict[str, Standing] | None = None) -> list[dict[str, object]]:
    """One dict per student, keyed by `grade_columns`; a test the student did not get is left blank.

    `score` is the autograder's; `final_score` is the grade to record, and `final_from` says whose it is:
    "engine" (score - late penalty) or "gradebook" (nbgrader's auto + manual + extra credit - late penalty).
    """
    summary = reports if isinstance(reports, ClassSummary) else summarise(reports, standing=standing)
    rows = []
    for student in summary.sorted_rows():
        state = student.standing
        row: dict[str, object] = {
            "student": student.student,
            "submission": student.submission,
            "score": _number(student.score),
            "max_score": _number(student.max_score),
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
            "diagnoses": " ".join(student.diagnoses),
            "grader_errors": student.grader_errors,
            "seed": student.seed,
            "isolation": student.isolation,
            "grader_version": student.grader_version,
            "sha256": student.sha256,
        }
        for part, (got, _most) in student.part_scores.items():
            row[f"part:{part}"] = _number(got)
        for name, points in student.test_points.items():
            row[f"test:{name}"] = "" if points is None else _number(points)
        rows.append(row)
    return rows


def write_grades_csv(summary: ClassSummary, path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=grade_columns(summary), restval="", extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(grade_rows(summary))
    return write_text_atomic(Path(path), buffer.getvalue())


def _number(value: float) -> str:
    """Points without float noise: 3.0 -> "3", 2.5 -> "2.5"."""
    return f"{round(value, 6):g}"
