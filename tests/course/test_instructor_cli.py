"""Small promises to the instructor: clear errors for a wrong assignment name, and student data never committed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.frontends.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("arguments", [["grade", "cellos", "README.md"], ["gradescope", "cellos"],
                                       ["gradescope-reproduce", "cellos", "README.md"]])
def test_an_unknown_assignment_lists_the_valid_ones(arguments, monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("AUTOGRADER_COURSE_ROOT", raising=False)
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2
    assert "error: unknown assignment 'cellos'" in result.output
    assert "the course's assignments are: celoss" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("path", ["downloaded/celoss/archive/submissions.zip", "submitted/2001/celoss/celoss.ipynb",
                                  "autograded/2001/celoss/celoss.ipynb", "feedback/2001/celoss/celoss.html",
                                  "gradebook.db", "out/grades.csv", "grades.csv", "canvas.csv", ".autograder-secret"])
def test_student_data_is_gitignored(path):
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=REPO)
    assert done.returncode == 0, f"{path} is not ignored by .gitignore"


def test_the_release_is_not_gitignored():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "check-ignore", "--no-index", "-q", "assignments/celoss/celoss.ipynb"], cwd=REPO)
    assert done.returncode == 1
