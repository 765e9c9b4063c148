"""canvas.csv: a Canvas gradebook export (the roster) filled in with one assignment column of final grades."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import GraderError
from autograder.grading.outcome import ScoreReport
from autograder.reports.common import student_name, write_text_atomic
from autograder.reports.standing import Standing

ROSTER_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"


@dataclass(frozen=True)
class CanvasExport:
    """What the export wrote, and who did not match: roster students without a result, results without a roster row."""

    path: Path
    matched: int
    without_submission: tuple[str, ...]
    without_roster_row: tuple[str, ...]


def read_roster(path: Path, id_column: str) -> list[dict[str, str]]:
    """The student rows of a Canvas gradebook export (its "Points Possible" row and blank rows left out)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise GraderError(f"cannot read the roster {path}: {error}") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [column for column in (*ROSTER_COLUMNS, id_column) if column not in header]
    if missing:
        raise GraderError(
            f"the roster {path} lacks the column(s) {', '.join(dict.fromkeys(missing))}; it has {', '.join(header) or 'none'}. "
            "Export it from Canvas (Grades > Export > CSV), or name the id column with --id-column"
        )
    return [row for row in reader
            if (row.get("Student") or "").strip() and POINTS_POSSIBLE not in (row.get("Student") or "")]


def write_canvas_csv(reports: list[ScoreReport], standing: dict[str, Standing], roster: Path, out: Path, *,
                     id_column: str, column_name: str) -> CanvasExport:
    """Roster columns, then `column_name` holding each student's final score; the second row is Points Possible."""
    rows = read_roster(roster, id_column)
    by_student: dict[str, ScoreReport] = {}
    for report in reports:
        by_student[_key(student_name(report))] = report
    most = max((standing[r.submission].final_max for r in reports if r.submission in standing), default=0.0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*ROSTER_COLUMNS, column_name])
    writer.writerow([f"    {POINTS_POSSIBLE}", "", "", "", "", _number(most)])
    matched, unmatched_rows = 0, []
    roster_keys = set()
    for row in rows:
        key = _key(row.get(id_column, ""))
        roster_keys.add(key)
        report = by_student.get(key) if key else None
        score = ""
        if report is not None and report.submission in standing:
            score = _number(standing[report.submission].final_score)
            matched += 1
        else:
            unmatched_rows.append(f"{row['Student'].strip()} ({id_column} {row.get(id_column, '').strip() or 'empty'})")
        writer.writerow([row.get(column, "") for column in ROSTER_COLUMNS] + [score])
    strangers = sorted(student_name(r) for key, r in by_student.items() if key not in roster_keys)
    write_text_atomic(Path(out), buffer.getvalue())
    return CanvasExport(Path(out), matched, tuple(unmatched_rows), tuple(strangers))


def _key(text: str) -> str:
    return text.strip().casefold()


def _number(value: float) -> str:
    return f"{round(value, 6):g}"
