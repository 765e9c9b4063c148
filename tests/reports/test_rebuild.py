"""`autograder grade` on a course: class reports always hold every result in DIR, with lateness from timestamp.txt."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from autograder.frontends.cli import main

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CORRECT = REPO / "tests" / "corpus" / "celoss" / "correct" / "vectorised.py"
BROKEN = "import numpy as np\nclass CELoss:\n    def forward(x, y):\n        return (\n"


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    config = (REPO / "nbgrader_config.py").read_text().replace(
        "c.Autograder.due_dates = {}", 'c.Autograder.due_dates = {"celoss": "2026-12-08 23:59:00 UTC"}')
    (root / "nbgrader_config.py").write_text(config)
    shutil.copytree(REPO / "solutions", root / "solutions")
    shutil.copytree(REPO / "graders", root / "graders", ignore=shutil.ignore_patterns("__pycache__"))
    for student, source, stamp in (("ana", CORRECT.read_text(), "2026-12-08 20:00:00.000000 UTC"),
                                   ("bob", BROKEN, "2026-12-09 01:30:00.000000 UTC")):
        folder = root / "submitted" / student / "celoss"
        folder.mkdir(parents=True)
        write_notebook(folder / "celoss.ipynb", source)
        (folder / "timestamp.txt").write_text(stamp + "\n")
    monkeypatch.chdir(root)
    monkeypatch.delenv("AUTOGRADER_COURSE_ROOT", raising=False)
    return root


def write_notebook(path: Path, source: str) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(notebook, path)


def rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_regrading_one_student_keeps_the_whole_class_and_reports_lateness(course):
    first = CliRunner().invoke(main, ["grade", "celoss", "submitted", "--out", "out", "--no-progress"])
    assert first.exit_code == 0, first.output
    write_notebook(course / "submitted" / "bob" / "celoss" / "celoss.ipynb", BROKEN + "# edited\n")
    again = CliRunner().invoke(main, ["grade", "celoss", "submitted/bob", "--out", "out", "--force", "--no-progress"])
    assert again.exit_code == 0, again.output
    table = rows(course / "out" / "grades.csv")
    assert set(table) == {"ana", "bob"}
    assert table["ana"]["lateness"] == "on time" and table["ana"]["final_score"] == "10"
    assert table["bob"]["lateness"] == "1h 31m late" and table["bob"]["late_penalty"] == "0"
    assert table["bob"]["problems"].startswith("syntax error in cell 1: SyntaxError: '(' was never closed")
    html = (course / "out" / "report.html").read_text()
    assert "ana" in html and "bob" in html and "1h 31m late" in html and "syntax error in cell 1" in html
    rebuilt = CliRunner().invoke(main, ["report", "out"])
    assert rebuilt.exit_code == 0 and "2 students" in rebuilt.output
    assert rows(course / "out" / "grades.csv") == table
