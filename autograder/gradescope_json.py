"""Render a `ScoreReport` as a Gradescope results.json document, and write JSON atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from autograder.outcome import ScoreReport, TestOutcome

GRADER_ERROR_TEXT = (
    "The grader itself failed on this test; it was not scored and your instructor has been told."
)


def results_document(report: ScoreReport) -> dict:
    """The Gradescope results.json schema, with our own fields under `extra_data`."""
    return {
        "score": round(report.score, 6),
        "max_score": report.max_score,
        "execution_time": round(report.execution_time, 3),
        "output": summary_text(report),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [_test_entry(test) for test in report.tests],
        "extra_data": {
            "assignment": report.assignment,
            "submission": report.submission,
            "student_id": report.student_id,
            "sha256": report.sha256,
            "seed": report.seed,
            "grader_version": report.grader_version,
            "isolation": report.isolation,
            "diagnoses": list(report.diagnoses),
            "parts": {part: {"score": got, "max_score": most} for part, (got, most) in report.part_scores().items()},
            "grader_errors": [test.message for test in report.grader_errors],
            "notes": list(report.notes),
        },
    }


def _test_entry(test: TestOutcome) -> dict:
    entry = {
        "name": f"{test.part}: {test.title}" if test.title else test.name,
        "number": test.name,
        "score": test.points,
        "max_score": test.max_points,
        "status": "passed" if test.passed else "failed",
        "output": GRADER_ERROR_TEXT if test.error == "grader" else (test.message or "Passed."),
        "tags": list(test.tags) + [f"part:{test.part}"] + (["bonus"] if test.bonus else []),
        "visibility": test.visibility,
    }
    return entry


def summary_text(report: ScoreReport) -> str:
    lines = [f"Score: {report.score:g} / {report.max_score:g}"]
    bonus = sum(t.points for t in report.tests if t.bonus)
    if bonus:
        lines[0] += f" (including {bonus:g} bonus)"
    for part, (got, most) in report.part_scores().items():
        lines.append(f"  {part}: {got:g} / {most:g}")
    if report.diagnoses:
        lines.append("Likely misconceptions: " + ", ".join(report.diagnoses))
    lines.extend(f"Note: {note}" for note in report.notes)
    if report.isolation == "process":
        lines.append("Warning: graded WITHOUT namespace isolation (bubblewrap missing).")
    return "\n".join(lines)


def write_json_atomic(path: Path, document: dict) -> None:
    """Write to a temporary file in the same folder, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w") as handle:
            json.dump(document, handle, indent=2, allow_nan=False, default=str)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
