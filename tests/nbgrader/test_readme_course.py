"""The README's stock-nbgrader section, run literally on a fresh copy of the course, with a Canvas download.

Every `nbgrader ...` and `autograder ...` line of the README's "Running a course with stock nbgrader"
code blocks runs in order, as a shell command, in a copy of the course that has what a fresh clone has
(no gradebook.db, no secret, no student data). The test only plays Canvas: it puts a "Download
Submissions" zip in downloaded/celoss/archive/ and a gradebook export in roster.csv. Then the gradebook,
nbgrader's export, `autograder grade`'s grades.csv and canvas.csv must agree, with the bonus as extra credit.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from tests.nbgrader.test_end_to_end import ROW_MAX_SHIFT, cell, solved

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
NAME = "celoss"
SECTION = "## Running a course with stock nbgrader"
ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (101)
    Points Possible,,,,,5
"Doe, Jane",2001,S1,jdoe,Lab A,4
"Roe, Rick",2002,S2,rroe,Lab B,5
"Poe, Ada",2003,S3,apoe,Lab A,
"Smith, Jo",2004,S4,jsmith,Lab B,
"Absent, Al",2005,S5,aabsent,Lab B,
"""


def readme_commands(readme: Path = REPO / "README.md") -> list[str]:
    """The `nbgrader` and `autograder` lines of the section's ```bash blocks, in order (not the long-running server)."""
    text = readme.read_text()
    section = text[text.index(SECTION):]
    section = section[: section.index("\n## ", len(SECTION))]
    lines = [line.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S) for line in block.splitlines()]
    return [line for line in lines if line.startswith(("nbgrader ", "autograder "))]


def fresh_course(root: Path) -> Path:
    """What a clone holds for the course: config, sources, graders and the committed release."""
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    for folder in ("solutions", "graders", "assignments"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return root


def canvas_download(root: Path) -> dict[str, str]:
    """Canvas's submissions.zip: plain, late, and resubmitted names. Returns {Canvas user ID: who they are}."""
    release = nbformat.read(root / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    source = nbformat.read(root / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    correct = solved(release, source)
    summed = nbformat.from_dict(json.loads(json.dumps(correct)))
    core = cell(summed, "celoss_core")
    core.source = core.source.replace("return total / num_rows", "return total")
    naive = nbformat.from_dict(json.loads(json.dumps(correct)))
    core = cell(naive, "celoss_core")
    core.source = core.source.replace(ROW_MAX_SHIFT, "shifted = x  # no max shift")
    files = {
        "doejane_2001_9001_celoss.ipynb": correct,
        "roerick_late_2002_9002_celoss-1.ipynb": summed,
        "poeada_2003_9003_celoss.ipynb": release,
        "smithjo_late_2004_9004_celoss-2.ipynb": naive,
    }
    archive = root / "downloaded" / NAME / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "submissions.zip", "w") as bundle:
        for name, notebook in files.items():
            bundle.writestr(name, nbformat.writes(notebook))
        bundle.writestr("doejane_2001_9001_notes.txt", "not a notebook")
    return {"2001": "correct", "2002": "summed", "2003": "stub", "2004": "naive"}


def run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(REPO),
           "OPENBLAS_NUM_THREADS": "1"}
    env.pop("AUTOGRADER_COURSE_ROOT", None)
    done = subprocess.run(["sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_readme_lists_the_whole_course_in_order():
    commands = readme_commands()
    assert [c.split()[:2] for c in commands] == [
        ["nbgrader", "generate_assignment"], ["nbgrader", "zip_collect"], ["nbgrader", "autograde"],
        ["nbgrader", "generate_feedback"], ["nbgrader", "export"], ["autograder", "grade"],
        ["autograder", "export"]]
    blocks = re.findall(r"```(?:bash)?\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    assert not any("nbgrader formgrader" in block for block in blocks)  # not a command in nbgrader 0.9.6


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, dict[str, str], dict[str, subprocess.CompletedProcess]]:
    root = fresh_course(tmp_path_factory.mktemp("clone"))
    who = canvas_download(root)
    (root / "roster.csv").write_text("\ufeff" + ROSTER, encoding="utf-8")
    outputs = {}
    for command in readme_commands():
        outputs[" ".join(command.split()[:2])] = run(command, root)
    return root, who, outputs


def test_the_committed_release_is_kept_and_the_gradebook_knows_the_assignment(course):
    root, _, outputs = course
    assert (root / "assignments" / NAME / f"{NAME}.ipynb").read_bytes() == \
        (REPO / "assignments" / NAME / f"{NAME}.ipynb").read_bytes()
    assert (root / "assignments" / NAME / f"{NAME}.py").is_file()
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as book:
        notebook = book.find_notebook(NAME, NAME)
        assert {c.name for c in notebook.grade_cells} >= {"forward", "backward", "stability", "extensions"}


def test_zip_collect_files_every_canvas_name_under_the_canvas_id(course):
    root, who, outputs = course
    collected = sorted(p.relative_to(root / "submitted").as_posix() for p in (root / "submitted").rglob("*.ipynb"))
    assert collected == [f"{student}/{NAME}/{NAME}.ipynb" for student in sorted(who)]
    assert "4 files collected" in outputs["nbgrader zip_collect"].stderr + outputs["nbgrader zip_collect"].stdout


def test_gradebook_export_grades_csv_and_canvas_agree_with_extra_credit(course):
    root, who, _ = course
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as book:
        totals = {s.student.id: (s.score, s.max_score) for s in book.find_assignment(NAME).submissions}
    exported = {row["student_id"]: row for row in read_csv(root / "grades.csv") if row["assignment"] == NAME}
    ours = {row["student"]: row for row in read_csv(root / "out" / "grades.csv")}
    canvas = list(csv.reader(open(root / "canvas.csv", newline="")))
    assert canvas[0][-1] == NAME and canvas[1][-1] == "10"
    in_canvas = {row[1]: row[-1] for row in canvas[2:]}
    assert set(totals) == set(exported) == set(ours) == set(who)
    for student, (score, most) in totals.items():
        assert most == 10 and float(exported[student]["max_score"]) == 10, student
        assert float(exported[student]["score"]) == pytest.approx(score), student
        assert ours[student]["final_from"] == "gradebook" and float(ours[student]["final_score"]) == pytest.approx(score)
        assert float(ours[student]["score"]) == pytest.approx(score), student  # no manual grades: auto = engine
        assert float(in_canvas[student]) == pytest.approx(score), student
    by_kind = {who[s]: totals[s][0] for s in totals}
    assert by_kind["correct"] == 12 and by_kind["stub"] == 0
    assert 0 < by_kind["summed"] < by_kind["correct"] and 0 < by_kind["naive"] < by_kind["correct"]
    assert in_canvas["2005"] == ""


def test_canvas_export_names_the_student_without_a_submission(course):
    _, _, outputs = course
    assert "1 roster student(s) without a submission (left blank): Absent, Al (ID 2005)" in \
        outputs["autograder export"].stderr + outputs["autograder export"].stdout
