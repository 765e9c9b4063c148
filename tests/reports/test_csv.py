"""grades.csv: one row per student whose columns equal the reports' scores, in a stable order."""

from __future__ import annotations

import csv

from autograder.grading.outcome import Blame
from autograder.reports.class_reports import summarise, write_class_reports
from autograder.reports.grades_csv import grade_columns


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_columns_equal_the_reports_scores(class_reports, tmp_path):
    rows = {row["submission"]: row for row in read_rows(write_class_reports(class_reports, tmp_path).grades_csv)}
    assert len(rows) == len(class_reports)
    for report in class_reports:
        row = rows[report.submission]
        assert float(row["score"]) == report.score and float(row["max_score"]) == report.max_score
        for part, (got, _) in report.part_scores().items():
            assert float(row[f"part:{part}"]) == got
        for test in report.tests:
            assert row[f"test:{test.name}"] == ("" if test.blame is Blame.GRADER else f"{test.points:g}")
        assert row["diagnoses"].split() == list(report.diagnoses)
        assert int(row["seed"]) == report.seed and row["isolation"] == report.isolation


def test_student_id_is_the_row_name_and_rows_are_sorted(class_reports, tmp_path):
    rows = read_rows(write_class_reports(class_reports, tmp_path).grades_csv)
    assert [row["student"] for row in rows] == sorted((row["student"] for row in rows), key=str.lower)
    assert any(row["student"] == "erin@example.edu" and row["submission"] == "erin" for row in rows)
    assert next(row for row in rows if row["submission"] == "erin")["grader_errors"] == "1"


def test_column_order_is_stable(class_reports):
    columns = grade_columns(summarise(class_reports))
    assert columns == grade_columns(summarise(reversed(class_reports)))
    assert columns[:4] == ["student", "submission", "score", "max_score"]
    assert columns.index("part:forward") < columns.index("test:forward::test_small") < columns.index("diagnoses")
