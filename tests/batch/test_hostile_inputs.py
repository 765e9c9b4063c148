"""Hostile input is the student's failure, never a grader error: `autograder grade` on a class full of tricks.

Every trick sits next to its honest twin (the same code without the trick); each scores at most its
twin, the batch exits 0, and no result, feedback or report echoes a file that was refused.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from autograder.course.seeding import SECRET_FILENAME, course_secret

from .conftest import REPO, run_cli
from .hostile import (
    BIG_INT, CORRECT, CRASH_ON_HARD, NAIVE, REWRITES, big_outputs_notebook, forged, malformed_notebooks,
    nested_zip_bytes, notebook, write_zip,
)

pytestmark = pytest.mark.slow
SOURCE_NOTEBOOK = REPO / "solutions" / "celoss" / "celoss.ipynb"


def _class(root: Path) -> dict[str, str]:
    """Write the class; return each trick's name and its twin's name."""
    folder = root / "class"
    folder.mkdir()
    (folder / "honest.py").write_text(CORRECT)
    (folder / "honest_nb.ipynb").write_text(notebook(CORRECT))
    twins = {"honest": "honest", "honest_nb": "honest_nb"}
    for name in REWRITES:
        (folder / f"{name}.py").write_text(forged(name))
        twins[name] = "honest"
    (folder / "big_int.py").write_text(BIG_INT)
    twins["big_int"] = "honest"
    (folder / "naive.py").write_text(NAIVE)
    (folder / "crash_on_hard.py").write_text(CRASH_ON_HARD)
    twins.update(naive="naive", crash_on_hard="naive")
    for name, text in malformed_notebooks().items():
        (folder / f"{name}.ipynb").write_text(text)
        twins[name] = "honest_nb"
    (folder / "big_outputs.ipynb").write_text(big_outputs_notebook())
    twins["big_outputs"] = "honest_nb"
    (folder / "link_to_source.ipynb").symlink_to(SOURCE_NOTEBOOK)
    twins["link_to_source"] = "honest_nb"
    course_secret(REPO)
    (folder / "link_to_secret.py").symlink_to(REPO / SECRET_FILENAME)
    twins["link_to_secret"] = "honest"
    (folder / "failures.py").write_text(CORRECT)  # the name of a batch file, once
    twins["failures"] = "honest"
    return twins


def _layout(root: Path) -> Path:
    submitted = root / "course" / "submitted"
    for student, text in (("zoe", notebook(CORRECT)), ("bob", notebook(NAIVE))):
        (submitted / student / "celoss").mkdir(parents=True)
        (submitted / student / "celoss" / "celoss.ipynb").write_text(text)
    stub = notebook("class CELoss:\n    forward = backward = staticmethod(lambda *a: 0.0)\n")
    write_zip(submitted / "bob" / "celoss" / "extra.zip", {"submitted/zoe/celoss/celoss.ipynb": stub.encode()})
    write_zip(submitted / "carl" / "celoss" / "celoss.zip", {"inner.zip": nested_zip_bytes(root)})
    (submitted / "mallory" / "celoss").mkdir(parents=True)
    (submitted / "mallory" / "celoss" / "celoss.ipynb").symlink_to(SOURCE_NOTEBOOK)
    (root / "elsewhere" / "celoss").mkdir(parents=True)
    (root / "elsewhere" / "celoss" / "celoss.ipynb").write_text(notebook(CORRECT))
    (submitted / "eve").symlink_to(root / "elsewhere")
    return submitted


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    twins = _class(root)
    submitted = _layout(root)
    explicit = root / "class" / "link_to_source.ipynb"  # also inside the folder: the same path twice
    done = run_cli("grade", "celoss", str(root / "class"), str(explicit), str(submitted), str(explicit),
                   "--out", str(root / "out"), "--jobs", "2", timeout=480)
    return root, twins, done


def result(root: Path, name: str) -> dict:
    return json.loads((root / "out" / f"{name}.json").read_text())


def everything(document: dict) -> str:
    return document["output"] + "\n".join(test["output"] for test in document["tests"])


def test_the_batch_exits_0_with_no_grader_error(graded):
    root, twins, done = graded
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "0 infrastructure failure(s)" in done.stdout
    for name in twins:
        assert not result(root, name)["extra_data"].get("grader_errors"), name


def test_every_trick_scores_at_most_its_twin(graded):
    root, twins, _ = graded
    assert result(root, "honest")["score"] == result(root, "honest_nb")["score"] == 10
    for name, twin in twins.items():
        assert result(root, name)["score"] <= result(root, twin)["score"], name


@pytest.mark.parametrize("name, phrase", [
    ("deep_header", "not a grader reply"),
    ("wire_float", "integer too large"),
    ("big_int", "integer too large"),
    ("cell_errors_text", "malformed load report (cell_errors is not a list)"),
    ("cell_errors_bad_cell", "malformed load report (a cell error names no cell)"),
    ("mutated_text", "list of changed inputs is not a list"),
    ("mutated_objects", "list of changed inputs holds something other than positions"),
    ("error_fields", "sent a reply the grader does not understand"),
    ("nbformat_text", "is not a valid notebook: its nbformat is '4', not a version number"),
    ("metadata_list", "cell 1's metadata is a list, not an object"),
    ("nbgrader_list", "cell 1's nbgrader metadata is a list, not an object"),
    ("worksheets_junk", "its worksheets are not a list of objects"),
    ("source_number", "cell 1's source is neither text nor a list of lines"),
    ("link_to_source", "link_to_source.ipynb is not a regular file (a symbolic link)"),
    ("link_to_secret", "link_to_secret.py is not a regular file (a symbolic link)"),
])
def test_each_trick_gets_a_clear_message(graded, name, phrase):
    root, _, _ = graded
    document = result(root, name)
    assert document["score"] == 0 or name == "big_int", name  # big_int's backward is right, and earns
    assert phrase in everything(document), (name, everything(document)[:2000])
    assert "Traceback" not in everything(document)


def test_a_crash_on_hard_inputs_costs_the_stability_points_and_is_the_students_failure(graded):
    root, _, _ = graded
    crashed, naive = result(root, "crash_on_hard"), result(root, "naive")
    stability = [test for test in crashed["tests"] if test["name"].startswith("stability:")]
    assert crashed["score"] <= naive["score"] < 10
    assert stability and all(test["score"] == 0 for test in stability), stability
    assert "exited" in everything(crashed) or "died" in everything(crashed), everything(crashed)[:2000]


def test_stored_outputs_never_count(graded):
    root, _, _ = graded
    assert (root / "class" / "big_outputs.ipynb").stat().st_size > 60 * 2**20
    assert result(root, "big_outputs")["score"] == 10


def test_no_file_in_the_results_echoes_the_secret_or_the_reference(graded):
    root, _, _ = graded
    secret = (REPO / SECRET_FILENAME).read_text().strip()
    reference_line = "### BEGIN SOLUTION"
    for path in (root / "out").rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert secret not in text, path
            assert reference_line not in text, path


def test_a_submission_named_like_a_batch_file_keeps_its_results(graded):
    root, _, _ = graded
    assert result(root, "failures")["score"] == 10
    assert (root / "out" / "feedback" / "failures.md").is_file()
    refused = json.loads((root / "out" / "_failures.json").read_text())["failures"]
    assert all(entry["kind"] == "rejected-input" for entry in refused)


def test_the_same_path_given_twice_is_graded_once(graded):
    root, _, done = graded
    assert not (root / "out" / "link_to_source-2.json").exists()
    assert done.stdout.count("link_to_source ") == 1


def test_an_archive_in_a_students_folder_never_replaces_another_students_work(graded):
    root, _, _ = graded
    zoe = result(root, "zoe")
    assert zoe["score"] == 10 and zoe["extra_data"]["student_id"] == "zoe"
    real = root / "course" / "submitted" / "zoe" / "celoss" / "celoss.ipynb"
    assert zoe["extra_data"]["sha256"] == hashlib.sha256(real.read_bytes()).hexdigest()
    assert not (root / "out" / "zoe-2.json").exists()
    bob_files = {p.stem: result(root, p.stem) for p in (root / "out").glob("bob*.json")}
    assert set(bob_files) == {"bob", "bob-2"}
    assert all(document["extra_data"]["student_id"] == "bob" for document in bob_files.values())
    assert result(root, "bob")["score"] == 7


def test_a_zip_inside_a_zip_is_reported_as_the_students_failure(graded):
    root, _, done = graded
    carl = result(root, "carl")
    assert carl["score"] == 0 and carl["extra_data"]["student_id"] == "carl"
    assert "zip archive that could not be graded" in everything(carl)
    assert "an archive inside an archive is never opened" in done.stderr


def test_links_in_the_nbgrader_layout_are_graded_as_not_regular_files(graded):
    root, _, _ = graded
    for student in ("mallory", "eve"):
        document = result(root, student)
        assert document["score"] == 0, student
        assert "is not a regular file (a symbolic link)" in everything(document), student
        assert document["extra_data"]["student_id"] == student


def test_report_rebuilds_from_the_results(graded):
    root, twins, _ = graded
    done = run_cli("report", str(root / "out"))
    assert done.returncode == 0, done.stderr
    with open(root / "out" / "grades.csv", newline="") as handle:
        rows = {row["submission"] for row in csv.DictReader(handle)}
    assert {"failures", "zoe", "carl", "eve", *twins} <= rows
