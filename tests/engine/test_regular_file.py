"""Only regular files inside the submission's folder are read: links, folders, pipes and linked folders are refused."""

from __future__ import annotations

import os

import pytest

from autograder.errors import NotRegularFile, UnreadableSubmission
from autograder.submission.extract import file_digest, read_submission
from autograder.submission.regular_file import open_regular, submission_root

SECRET = "4f1e" * 16
CODE = "import numpy as np\nclass CELoss:\n    pass\n"


@pytest.fixture
def course(tmp_path):
    (tmp_path / ".autograder-secret").write_text(SECRET)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "celoss.py").write_text(CODE)
    return tmp_path


def test_a_regular_file_is_read(course):
    (course / "alice.py").write_text(CODE)
    assert read_submission(course / "alice.py").cells == (CODE.rstrip("\n"),)


@pytest.mark.parametrize("target", [".autograder-secret", "solutions/celoss.py", "missing.py"])
def test_a_link_is_not_a_regular_file_and_its_target_is_never_read(course, target):
    (course / "mallory.py").symlink_to(course / target)
    with pytest.raises(NotRegularFile, match=r"mallory.py is not a regular file \(a symbolic link\)") as caught:
        read_submission(course / "mallory.py")
    assert SECRET not in str(caught.value) and "CELoss" not in str(caught.value)
    assert file_digest(course / "mallory.py") == ("", 0)


def test_a_linked_student_folder_in_the_nbgrader_layout_is_refused(course):
    real = course / "elsewhere" / "celoss"
    real.mkdir(parents=True)
    (real / "celoss.ipynb").write_text("{}")
    (course / "submitted").mkdir()
    (course / "submitted" / "bob").symlink_to(course / "elsewhere")
    linked = course / "submitted" / "bob" / "celoss" / "celoss.ipynb"
    assert submission_root(linked) == course / "submitted"
    with pytest.raises(NotRegularFile, match="inside 'bob', which is a symbolic link"):
        read_submission(linked)
    assert file_digest(linked) == ("", 0)


def test_the_honest_twin_of_the_linked_folder_is_read(course):
    folder = course / "submitted" / "bob" / "celoss"
    folder.mkdir(parents=True)
    (folder / "celoss.py").write_text(CODE)
    assert read_submission(folder / "celoss.py").cells


def test_a_folder_and_a_named_pipe_are_not_regular_files(course):
    (course / "folder.py").mkdir()
    with pytest.raises(NotRegularFile, match=r"\(a folder\)"):
        read_submission(course / "folder.py")
    os.mkfifo(course / "pipe.py")
    with pytest.raises(NotRegularFile, match=r"\(a named pipe\)"):  # and opening it never blocks
        read_submission(course / "pipe.py")


def test_a_path_outside_the_given_root_is_refused(course):
    with pytest.raises(NotRegularFile, match="outside its submission folder"):
        open_regular(course / "solutions" / "celoss.py", root=course / "submitted")


def test_a_missing_file_is_unreadable_with_the_reason(course):
    with pytest.raises(UnreadableSubmission, match="cannot read nothing.py: No such file"):
        read_submission(course / "nothing.py")
