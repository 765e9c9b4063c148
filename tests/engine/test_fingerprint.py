"""One fingerprint of an assignment's graders, declaration and notebook keys the suite, the reference and the version."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

from autograder import __version__
from autograder.course.assignment import Assignment, Declaration
from autograder.grading.engine import grader_version
from autograder.course.fingerprint import assignment_fingerprint, folder_fingerprint
from autograder.grading.reference import load_reference
from autograder.grading.runner import run_graders
from autograder.course.seeding import test_rng

NOTEBOOK = """{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,
  "source": "class Model:\\n    @staticmethod\\n    def value(x):\\n        return 1.0\\n"}],
 "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"""


def make_course(root: Path) -> Assignment:
    graders = root / "graders" / "toy"
    graders.mkdir(parents=True)
    (graders / "test_toy.py").write_text("def test_one(student):\n    assert student.Model.value(0) == 1.0\n")
    (graders / "assignment.toml").write_text('[api]\nModel = ["value"]\n')
    notebook = root / "solutions" / "toy" / "toy.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text(NOTEBOOK)
    return Assignment(name="toy", course_root=root, source_notebook=notebook, graders_dir=graders,
                      declaration=Declaration(title="toy", api={"Model": ("value",)}))


def edit(path: Path, text: str) -> None:
    """Rewrite a file and move its modification time on, as a later save would."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


@pytest.fixture
def toy(tmp_path) -> Assignment:
    return make_course(tmp_path / "course")


def test_the_same_files_elsewhere_have_the_same_fingerprint(toy, tmp_path):
    copy = tmp_path / "elsewhere"
    shutil.copytree(toy.course_root, copy)
    moved = Assignment(name="toy", course_root=copy, source_notebook=copy / "solutions/toy/toy.ipynb",
                       graders_dir=copy / "graders/toy", declaration=toy.declaration)
    assert assignment_fingerprint(moved) == assignment_fingerprint(toy)
    assert grader_version(moved) == grader_version(toy) == f"{__version__}+{assignment_fingerprint(toy)[:12]}"


@pytest.mark.parametrize("changed", ["graders/toy/test_toy.py", "graders/toy/assignment.toml",
                                     "solutions/toy/toy.ipynb", "graders/toy/helpers/new.py"])
def test_an_edit_to_any_grading_file_changes_the_fingerprint(toy, changed):
    before = assignment_fingerprint(toy)
    path = toy.course_root / changed
    if path.exists():
        edit(path, path.read_text() + "\n# edited\n")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("HELPER = 1\n")
    assert assignment_fingerprint(toy) != before


def test_bytes_moved_from_one_file_to_the_next_change_the_fingerprint(tmp_path):
    (tmp_path / "a.py").write_text("xy")
    (tmp_path / "b.py").write_text("")
    before = folder_fingerprint(tmp_path)
    edit(tmp_path / "a.py", "x")
    edit(tmp_path / "b.py", "y")
    assert folder_fingerprint(tmp_path) != before


def test_compiled_caches_do_not_change_the_fingerprint(toy):
    before = assignment_fingerprint(toy)
    (toy.graders_dir / "__pycache__").mkdir()
    (toy.graders_dir / "__pycache__" / "test_toy.cpython-311.pyc").write_bytes(b"\x00compiled")
    assert assignment_fingerprint(toy) == before


def test_the_reference_is_rebuilt_when_the_fingerprint_changes(toy):
    first = load_reference(toy)
    assert load_reference(toy) is first
    edit(toy.graders_dir / "test_toy.py", (toy.graders_dir / "test_toy.py").read_text() + "\n# edited\n")
    assert load_reference(toy) is not first


def test_the_collected_suite_is_keyed_by_the_fingerprint_it_is_given(toy):
    def student(target, *args, **kwargs):
        return 1.0

    first = run_graders(toy.graders_dir, student_call=student, reference=None, seed=1, fingerprint="one")
    (toy.graders_dir / "test_toy.py").write_text("def test_two(student):\n    pass\n")
    same_key = run_graders(toy.graders_dir, student_call=student, reference=None, seed=1, fingerprint="one")
    new_key = run_graders(toy.graders_dir, student_call=student, reference=None, seed=1, fingerprint="two")
    assert [t.name for t in first.tests] == [t.name for t in same_key.tests] == ["test_toy.py::test_one"]
    assert [t.name for t in new_key.tests] == ["test_toy.py::test_two"]


def test_the_runners_rng_is_seeding_test_rng(tmp_path):
    graders = tmp_path / "graders"
    graders.mkdir()
    (graders / "test_draws.py").write_text(textwrap.dedent('''
        import pytest

        @pytest.mark.parametrize("n", [2])
        def test_draws(rng, n):
            assert False, repr(rng.integers(1 << 62, size=n).tolist())

        def test_other(rng):
            assert False, repr(rng.integers(1 << 62, size=2).tolist())
    '''))
    run = run_graders(graders, student_call=None, reference=None, seed=2**63 - 1)
    messages = {t.name.split("::")[1]: t.message for t in run.tests}
    for name in ("test_draws[2]", "test_other"):
        assert messages[name] == repr(test_rng(2**63 - 1, name).integers(1 << 62, size=2).tolist())
    assert messages["test_draws[2]"] != messages["test_other"]
