"""Render a `ScoreReport` as a Gradescope results.json document, read it back, and write JSON atomically.

A results file is exactly the document Gradescope reads: its own fields (score, tests, output, ...)
as Gradescope specifies them, plus `extra_data`, which its specification calls extra data to be stored.
`extra_data` keeps a few rendered summaries for people (diagnoses, part scores, grader errors) and
carries the whole report, encoded by `autograder.grading.report_codec`, under `extra_data["score_report"]`.
One file per submission, written atomically, so the Gradescope view and the full report can never
disagree; `report_from_results` reads only the embedded report, never the rendered fields.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from autograder.grading import report_codec
from autograder.grading.outcome import BUG_PREFIX, Blame, ScoreReport, TestOutcome

GRADER_ERROR_TEXT = (
    "The grader itself failed on this test; it was not scored and your instructor has been told."
)
GRADER_FAILURE_TEXT = (
    "Some graders failed before they could run; those tests were not scored and your instructor has been told."
)
REPORT_KEY = "score_report"


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
            "grader_errors": [f"{failure.name}: {failure.message}" for failure in report.grader_errors],
            "notes": list(report.notes),
            REPORT_KEY: report_codec.to_json(report),
        },
    }


def report_from_results(document: object) -> ScoreReport:
    """The `ScoreReport` embedded in a results document.

    Raises `report_codec.StaleReport` for a results file from before the codec (or another schema),
    and `report_codec.ReportDecodeError` for anything that is not a results document at all.
    """
    extra = document.get("extra_data") if isinstance(document, dict) else None
    if not isinstance(extra, dict):
        raise report_codec.ReportDecodeError("not a results document: no extra_data object")
    if REPORT_KEY not in extra:
        raise report_codec.StaleReport(None)
    return report_codec.from_json(extra[REPORT_KEY])


def _test_entry(test: TestOutcome) -> dict:
    entry = {
        "name": f"{test.part}: {test.title}" if test.title else test.name,
        "number": test.name,
        "score": test.points,
        "max_score": test.max_points,
        "status": "passed" if test.passed else "failed",
        "output": GRADER_ERROR_TEXT if test.blame is Blame.GRADER else (test.message or "Passed."),
        "tags": [f"{BUG_PREFIX}{bug}" for bug in test.bugs] + list(test.tags) + [f"part:{test.part}"]
                + (["bonus"] if test.bonus else []),
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
    if report.grader_failures:
        lines.append(GRADER_FAILURE_TEXT)
    if report.isolation == "process":
        lines.append("Warning: graded WITHOUT namespace isolation (bubblewrap missing).")
    return "\n".join(lines)


def write_json_atomic(path: Path, document: dict) -> None:
    """Write to a temporary file in the same folder, then rename: readers never see half a file.

    The JSON is compact: indenting it would take json's pure-Python encoder, five times slower.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, allow_nan=False, default=str)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
