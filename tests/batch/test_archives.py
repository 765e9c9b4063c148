"""Archives: one extraction budget per batch, bombs refused, nested archives reported, names only from real paths."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from autograder.submission.collect import find_submissions

from .hostile import CORRECT, nested_zip_bytes, notebook, write_zip


def _names(found) -> dict[str, str | None]:
    return {item.name: item.student_id for item in found.files}


def test_one_budget_holds_for_the_whole_batch(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.submission.archive.MAX_BATCH_BYTES", 5 * 2**20)
    archives = [write_zip(tmp_path / f"s{i}.zip", {"celoss.py": CORRECT.encode() + b"#" * (2 * 2**20)}) for i in range(4)]
    found = find_submissions(archives, scratch=tmp_path / "scratch")
    assert _names(found) == {"celoss": None, "celoss-2": None}  # two fit in 5 MiB, the rest are refused
    assert [r.source for r in found.rejected] == [str(archives[2]), str(archives[3])]
    assert all("extraction budget of 5 MiB is used up" in r.reason for r in found.rejected)


def test_the_file_budget_holds_for_the_whole_batch(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.submission.archive.MAX_BATCH_FILES", 3)
    first = write_zip(tmp_path / "a.zip", {f"a{i}.py": CORRECT.encode() for i in range(2)})
    second = write_zip(tmp_path / "b.zip", {f"b{i}.py": CORRECT.encode() for i in range(2)})
    found = find_submissions([first, second], scratch=tmp_path / "scratch")
    assert _names(found) == {"a0": None, "a1": None}
    assert "3 files is used up" in found.rejected[0].reason


def test_a_member_expanding_hundreds_of_times_is_a_bomb(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        with bundle.open("celoss.py", "w") as member:
            for _ in range(40):
                member.write(b"\n" * 2**20)
    assert archive.stat().st_size < 200 * 2**10
    found = find_submissions([archive, write_zip(tmp_path / "twin.zip", {"celoss.py": CORRECT.encode()})],
                             scratch=tmp_path / "scratch")
    assert _names(found) == {"celoss": None}
    assert "expands more than 200 times its compressed size (a zip bomb?)" in found.rejected[0].reason
    assert sum(p.stat().st_size for p in (tmp_path / "scratch").rglob("*") if p.is_file()) < 64 * 2**10


def test_a_zip_inside_a_zip_is_listed_and_never_stops_the_batch(tmp_path):
    outer = write_zip(tmp_path / "outer.zip", {"inner.zip": nested_zip_bytes(tmp_path), "alice.py": CORRECT.encode()})
    only = write_zip(tmp_path / "only.zip", {"deeper/inner.zip": nested_zip_bytes(tmp_path)})
    found = find_submissions([outer, only, tmp_path / "inner.zip"], scratch=tmp_path / "scratch")
    assert _names(found) == {"alice": None, "only": None, "celoss": None}  # `only` is graded, and told why
    assert {r.source for r in found.rejected} == {f"{outer}: inner.zip", f"{only}: deeper/inner.zip"}
    assert all("an archive inside an archive is never opened" in r.reason for r in found.rejected)


def test_names_inside_an_archive_never_claim_a_student(tmp_path):
    submitted = tmp_path / "submitted"
    for student in ("zoe", "bob"):
        (submitted / student / "celoss").mkdir(parents=True)
        (submitted / student / "celoss" / "celoss.ipynb").write_text(notebook(CORRECT))
    write_zip(submitted / "bob" / "celoss" / "a.zip", {
        "submitted/zoe/celoss/celoss.ipynb": b"{}", "zoe.ipynb": b"{}", "../zoe/celoss/celoss.ipynb": b"{}"})
    write_zip(submitted / "ann" / "celoss" / "celoss.zip", {"submitted/zoe/celoss/celoss.ipynb": b"{}"})
    loose = write_zip(tmp_path / "loose.zip", {"submitted/zoe/celoss/celoss.ipynb": b"{}"})
    found = find_submissions([submitted, loose], assignment="celoss", scratch=tmp_path / "scratch")
    names = _names(found)
    assert names["zoe"] == "zoe" and names["bob"] == "bob" and names["ann"] == "ann"
    assert [item.path for item in found.files if item.student_id == "zoe"] == [submitted / "zoe" / "celoss" / "celoss.ipynb"]
    assert names["bob-2"] == "bob"  # the refused archive: bob's own failure, reported to bob
    assert "outside the extraction folder" in found.rejected[0].reason
    assert names["submitted__zoe__celoss__celoss"] is None  # a loose archive names no student


def test_an_archive_cannot_take_a_name_from_a_real_file(tmp_path):
    archive = write_zip(tmp_path / "a" / "x.zip", {"alice.py": CORRECT.encode(), "bob.py": CORRECT.encode()})
    (tmp_path / "alice.py").write_text(CORRECT)
    found = find_submissions([archive, tmp_path / "alice.py"], scratch=tmp_path / "scratch")
    by_name = {item.name: item.path for item in found.files}
    assert by_name["alice"] == tmp_path / "alice.py"
    assert by_name["alice-2"].is_relative_to(tmp_path / "scratch")


@pytest.mark.parametrize("twice", ["file", "folder and file", "archive"])
def test_the_same_path_given_twice_is_graded_once(tmp_path, twice):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "alice.py").write_text(CORRECT)
    write_zip(tmp_path / "class" / "bob.zip", {"bob.py": CORRECT.encode()})
    paths = {"file": [tmp_path / "class" / "alice.py", tmp_path / "class" / "./alice.py"],
             "folder and file": [tmp_path / "class", tmp_path / "class" / "alice.py"],
             "archive": [tmp_path / "class" / "bob.zip", tmp_path / "class" / "bob.zip"]}[twice]
    found = find_submissions(paths, scratch=tmp_path / "scratch")
    assert len(found.files) == len({item.name.split("-")[0] for item in found.files})
    assert not any(item.name.endswith("-2") for item in found.files)


def test_links_in_a_folder_are_listed_so_grading_refuses_them(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "secret").write_text("abc")
    (tmp_path / "class" / "mallory.py").symlink_to(tmp_path / "secret")
    (tmp_path / "class" / "linked").symlink_to(tmp_path)
    found = find_submissions([tmp_path / "class"])
    assert _names(found) == {"mallory": None}
    assert found.rejected[0].source == str(tmp_path / "class" / "linked")
    assert "symbolic link" in found.rejected[0].reason


def test_an_archive_holding_only_archives_is_graded_as_the_students_failure(celoss, tmp_path):
    from autograder.grading.engine import grade_path

    only = write_zip(tmp_path / "only.zip", {"inner.zip": nested_zip_bytes(tmp_path)})
    found = find_submissions([only], scratch=tmp_path / "scratch")
    report = grade_path(celoss, found.files[0].path, name=found.files[0].name)
    assert report.score == 0 and not report.grader_errors
    assert "only.zip is a zip archive that could not be graded" in report.notes[0]


def test_the_batch_grades_a_source_listed_twice_once(celoss, tmp_path):
    from autograder.batch.run import grade_batch
    from autograder.submission.collect import SubmissionFile

    (tmp_path / "alice.py").write_text(CORRECT)
    source = SubmissionFile(tmp_path / "alice.py", "alice")
    result = grade_batch(celoss, [source, source], tmp_path / "out", jobs=1)
    assert [item.source.name for item in result.items] == ["alice"]


def test_one_archive_cannot_spend_the_whole_batchs_budget(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.submission.archive.MAX_ARCHIVE_BYTES", 3 * 2**20)
    greedy = write_zip(tmp_path / "greedy.zip", {f"g{i}.py": CORRECT.encode() + b"#" * 2**20 for i in range(4)})
    honest = write_zip(tmp_path / "honest.zip", {"h.py": CORRECT.encode() + b"#" * 2**20})
    found = find_submissions([greedy, honest], scratch=tmp_path / "scratch")
    assert _names(found) == {"h": None}
    assert "one archive's extraction budget of 3 MiB is used up" in found.rejected[0].reason
