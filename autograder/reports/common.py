"""Small helpers every report format shares: student names, stable column order, atomic text writes."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from autograder.grading.outcome import ScoreReport, TestOutcome


def student_name(report: ScoreReport) -> str:
    """The name a student is listed under: the id from the gradebook layout, else the submission name."""
    return report.student_id or report.submission


def file_stem(report: ScoreReport) -> str:
    """A file-system-safe stem for the student's feedback file."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", student_name(report)).strip("._") or "submission"


def test_label(test: TestOutcome) -> str:
    return f"{test.part}: {test.title}" if test.title else test.name


def write_text_atomic(path: Path, text: str) -> Path:
    """Write via a temporary file in the same folder and rename, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
