"""Problems, lateness and the final grade: pure evaluators, then the CSV and the report that show them."""

from __future__ import annotations

import csv
import dataclasses
from datetime import datetime, timezone

import pytest

from autograder.reports.class_reports import CourseContext, write_class_reports
from autograder.reports.lateness import assess, describe
from autograder.reports.problems import submission_problems
from autograder.reports.standing import read_gradebook, standings

from .report_samples import make_report

DUE = datetime(2026, 12, 8, 23, 59, tzinfo=timezone.utc)


@pytest.mark.parametrize("note, label", [
    ("cell 1 raised SyntaxError: '(' was never closed (<cell 1>, line 4) (the cells after it still ran)",
     "syntax error in cell 1: SyntaxError: '(' was never closed (<cell 1>, line 4)"),
    ("cell 2 raised ModuleNotFoundError: No module named 'torch' (the cells after it still ran)",
     "load error in cell 2: ModuleNotFoundError: No module named 'torch'"),
    ("cell 3 raised IndentationError: unexpected indent (<cell 3>, line 2) (the cells after it still ran)",
     "syntax error in cell 3: IndentationError: unexpected indent (<cell 3>, line 2)"),
    ("loading the submission took more than 10 s. Remove long experiments or training loops from the answer cells.",
     "time limit: loading the submission took more than 10 s. Remove long experiments or training loops from the "
     "answer cells."),
    ("the submission's process crashed or timed out 4 times; the remaining checks were not run",
     "time limit: the submission's process crashed or timed out 4 times; the remaining checks were not run"),
])
def test_problems_are_named(note, label):
    assert submission_problems(make_report("x", notes=(note,))) == (label,)


def test_an_unreadable_file_and_a_clean_one():
    unreadable = dataclasses.replace(make_report("x", notes=("the file is not valid JSON: line 1",)), isolation="none")
    assert submission_problems(unreadable) == ("unreadable: the file is not valid JSON: line 1",)
    assert submission_problems(make_report("y")) == ()


@pytest.mark.parametrize("stamp, late, text", [
    ("2026-12-08 23:00:00.000000 UTC", 0, "on time"),
    ("2026-12-09 02:20:30 UTC", 8490, "2h 21m late"),
    ("2026-12-10T00:00:00-01:00", 24 * 3600 + 61 * 60, "1d 1h 1m late"),
    ("2026-12-09 00:59:00 Europe/Berlin", 0, "on time"),
])
def test_lateness_follows_the_timestamp(stamp, late, text):
    lateness = assess(stamp, DUE, "none", 7.0)
    assert lateness.seconds_late == late and describe(lateness) == text and lateness.penalty == 0


def test_the_zero_policy_takes_the_whole_score_only_when_late():
    assert assess("2026-12-09 00:00:00 UTC", DUE, "zero", 7.0).penalty == 7.0
    assert assess("2026-12-08 00:00:00 UTC", DUE, "zero", 7.0).penalty == 0


def test_an_unreadable_timestamp_is_said_not_guessed():
    lateness = assess("yesterday-ish", DUE, "zero", 7.0)
    assert lateness.penalty == 0 and "cannot read 'yesterday-ish'" in describe(lateness)
    assert assess("", DUE, "zero", 7.0) == assess("2026-12-09 00:00:00 UTC", None, "zero", 7.0).__class__()


def late_report(name, stamp, **kwargs):
    report = make_report(name, student_id=name, **kwargs)
    return dataclasses.replace(report, submitted_at=stamp)


def test_csv_and_report_show_problems_lateness_and_penalty(tmp_path):
    reports = [late_report("ana", "2026-12-09 03:00:00 UTC"), late_report("ben", "2026-12-01 10:00:00 UTC"),
               make_report("cy", notes=("cell 1 raised ModuleNotFoundError: No module named 'torch' "
                                        "(the cells after it still ran)",))]
    paths = write_class_reports(reports, tmp_path, CourseContext(due=DUE, late_policy="zero"))
    rows = {row["submission"]: row for row in csv.DictReader(open(paths.grades_csv, newline=""))}
    assert rows["ana"]["lateness"] == "3h 1m late" and rows["ana"]["late_penalty"] == "10"
    assert rows["ana"]["score"] == "10" and rows["ana"]["final_score"] == "0" and rows["ana"]["final_from"] == "engine"
    assert rows["ben"]["lateness"] == "on time" and rows["ben"]["final_score"] == "10"
    assert rows["cy"]["problems"] == "load error in cell 1: ModuleNotFoundError: No module named 'torch'"
    assert rows["cy"]["submitted_at"] == "" and rows["cy"]["lateness"] == ""
    html = paths.report_html.read_text()
    assert "Problems and late work" in html and "No module named &#x27;torch&#x27;" in html
    assert "3h 1m late" in html and "final = autograder score - late penalty" in html


def gradebook_with(tmp_path, scores: dict[str, tuple[float, float | None, float]]):
    """A real nbgrader gradebook: one notebook, cells core (10 points) and bonus (0, extra credit)."""
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as book:
        book.add_assignment("celoss")
        book.add_notebook("celoss", "celoss")
        book.add_grade_cell("core", "celoss", "celoss", max_score=10, cell_type="code")
        book.add_grade_cell("bonus", "celoss", "celoss", max_score=0, cell_type="code")
        for student, (auto, manual, extra) in scores.items():
            book.add_student(student)
            book.add_submission("celoss", student)
            core = book.find_grade("core", "celoss", "celoss", student)
            core.auto_score, core.manual_score = auto, manual
            bonus = book.find_grade("bonus", "celoss", "celoss", student)
            bonus.auto_score, bonus.extra_credit = 0.0, extra
        book.db.commit()
    return url


def test_the_gradebook_final_grade_is_auto_or_manual_plus_extra_credit(tmp_path):
    url = gradebook_with(tmp_path, {"ana": (7.0, None, 2.0), "ben": (4.0, 6.5, 0.0)})
    grades = read_gradebook(url, "celoss")
    assert grades["ana"].final == 9.0 and grades["ana"].max_score == 10 and grades["ana"].extra_credit == 2
    assert grades["ben"].final == 6.5 and grades["ben"].manual_cells == 1
    reports = [make_report("ana", student_id="ana"), make_report("ben", student_id="ben"), make_report("zed")]
    standing = standings(reports, CourseContext(gradebook_url=url))
    assert standing["ana"].final_from == standing["ben"].final_from == "gradebook"
    assert standing["zed"].final_from == "engine" and standing["zed"].final_score == reports[2].score
    paths = write_class_reports(reports, tmp_path / "out", CourseContext(gradebook_url=url))
    rows = {row["submission"]: row for row in csv.DictReader(open(paths.grades_csv, newline=""))}
    assert (rows["ben"]["score"], rows["ben"]["final_score"], rows["ben"]["manual_cells"]) == ("10", "6.5", "1")
    assert rows["ana"]["extra_credit"] == "2"
    html = paths.report_html.read_text()
    assert "nbgrader gradebook: auto + manual + extra credit - late penalty" in html
    assert "6.5 / 10 (gradebook)" in html


def test_a_missing_gradebook_means_engine_grades(tmp_path):
    assert read_gradebook(f"sqlite:///{tmp_path / 'none.db'}", "celoss") == {}
    assert not (tmp_path / "none.db").exists()
