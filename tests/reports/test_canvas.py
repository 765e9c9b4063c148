"""`autograder export canvas`: a Canvas gradebook export filled with one assignment column of final grades."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.frontends.cli import main
from autograder.errors import GraderError
from autograder.reports.gradescope_json import results_document, write_json_atomic
from autograder.reports.class_reports import standings
from autograder.reports.canvas import write_canvas_csv

from .report_samples import make_report

ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (101)
    Points Possible,,,,,5
"Doe, Jane",2001,S1,jdoe,Lab A,4
"Roe, Rick",2002,S2,RRoe,Lab B,5
"Poe, Ada",2003,S3,apoe,Lab A,
"Student, Test",2004,,test_student,Lab A,
"""


def roster(tmp_path: Path, text: str = ROSTER) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("\ufeff" + text, encoding="utf-8")  # Canvas writes a byte-order mark
    return path


def read(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def test_roster_columns_points_possible_and_final_grades(tmp_path):
    reports = [make_report("jdoe", student_id="jdoe"), make_report("rroe", {"forward::test_small": "sum-not-mean"},
                                                                   student_id="rroe"),
               make_report("zz-unknown", student_id="zz-unknown")]
    done = write_canvas_csv(reports, standings(reports), roster(tmp_path), tmp_path / "canvas.csv",
                            id_column="SIS Login ID", column_name="celoss")
    rows = read(done.path)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "celoss"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "9"]  # the bonus is not in the maximum
    assert rows[2] == ["Doe, Jane", "2001", "S1", "jdoe", "Lab A", "10"]  # 9 + 1 bonus
    assert rows[3] == ["Roe, Rick", "2002", "S2", "RRoe", "Lab B", "8"]  # ids match whatever the case
    assert rows[4][-1] == "" and rows[5][-1] == ""
    assert done.matched == 2
    assert done.without_submission == ("Poe, Ada (SIS Login ID apoe)", "Student, Test (SIS Login ID test_student)")
    assert done.without_roster_row == ("zz-unknown",)


def test_another_id_column(tmp_path):
    reports = [make_report("2003", student_id="2003")]
    done = write_canvas_csv(reports, standings(reports), roster(tmp_path), tmp_path / "c.csv", id_column="ID",
                            column_name="celoss (77)")
    assert read(done.path)[4] == ["Poe, Ada", "2003", "S3", "apoe", "Lab A", "10"] and done.matched == 1


def test_a_roster_without_the_id_column_is_a_clear_error(tmp_path):
    path = roster(tmp_path, "Name,Email\nJane,j@x\n")
    with pytest.raises(GraderError, match=r"lacks the column\(s\) Student, ID, SIS User ID, SIS Login ID, Section"):
        write_canvas_csv([make_report("a")], {}, path, tmp_path / "c.csv", id_column="SIS Login ID", column_name="x")


def test_the_cli_writes_canvas_csv_and_lists_who_did_not_match(tmp_path, monkeypatch):
    results = tmp_path / "out"
    for report in (make_report("jdoe", student_id="jdoe"), make_report("ghost", student_id="ghost")):
        write_json_atomic(results / f"{report.submission}.json", results_document(report))
    monkeypatch.chdir(tmp_path)  # outside any course: the defaults apply
    result = CliRunner().invoke(main, ["export", "canvas", str(results), "--roster", str(roster(tmp_path)),
                                       "-o", str(tmp_path / "canvas.csv")])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "1 student(s) graded" in result.output
    assert "3 roster student(s) without a submission (left blank): Roe, Rick (SIS Login ID RRoe)" in result.output
    assert "1 submission(s) with no roster row (not exported): ghost" in result.output
    assert read(tmp_path / "canvas.csv")[2][-1] == "10"


def test_the_cli_refuses_an_empty_results_folder(tmp_path):
    (tmp_path / "out").mkdir()
    result = CliRunner().invoke(main, ["export", "canvas", str(tmp_path / "out"), "--roster", str(roster(tmp_path))])
    assert result.exit_code == 2 and "no results files" in result.output
