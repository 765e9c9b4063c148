"""Extraction: which notebook cells count, how magics are neutralised, and which files are refused."""

import json

import pytest

from autograder.errors import UnreadableSubmission
from autograder.submission.extract import neutralise_magics, submission_from_bytes


def notebook(*cells, nbformat=4):
    return json.dumps({"nbformat": nbformat, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}).encode()


def code(source, **nbgrader):
    metadata = {"nbgrader": nbgrader} if nbgrader else {}
    return {"cell_type": "code", "source": source, "metadata": metadata, "outputs": [], "execution_count": None}


def test_answer_and_student_cells_count_but_test_cells_never_do():
    raw = notebook(
        code("import numpy as np", locked=True),
        code("class CELoss: pass", solution=True, grade=False, grade_id="answer"),
        code("assert False", grade=True, solution=False, points=3, grade_id="test_forward"),
        {"cell_type": "markdown", "source": "text", "metadata": {}},
        code("helper = 1"),
    )
    submission = submission_from_bytes(raw, name="alice", filename="alice.ipynb")
    assert submission.cells == ("import numpy as np", "class CELoss: pass", "helper = 1")
    assert submission.kind == "notebook"


def test_cells_tagged_skip_are_left_out():
    skipped = code("check_forward()")
    skipped["metadata"]["tags"] = ["autograder:skip"]
    submission = submission_from_bytes(notebook(code("x = 1"), skipped), name="a", filename="a.ipynb")
    assert submission.cells == ("x = 1",)


def test_magics_and_shell_lines_are_never_run_and_line_numbers_are_kept():
    text, count = neutralise_magics("%matplotlib inline\nx = 1\n!rm -rf /\nfiles = !ls\nif x:\n  %time y = 2")
    lines = text.splitlines()
    assert count == 4
    assert lines[1] == "x = 1"
    assert lines[0].startswith("pass") and lines[2].startswith("pass")
    assert lines[3].startswith("files = None")
    assert lines[5].startswith("  pass")
    compile(text, "<cell>", "exec")


def test_cell_magic_comments_out_the_whole_cell():
    text, count = neutralise_magics("%%bash\nrm -rf /\necho hi")
    assert count == 3 and all(line.startswith("#") for line in text.splitlines())


def test_old_nbformat_worksheets_are_read():
    raw = json.dumps({"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "input": "a = 1", "metadata": {}}]}]})
    assert submission_from_bytes(raw.encode(), name="old", filename="old.ipynb").cells == ("a = 1",)


@pytest.mark.parametrize(
    "raw, filename, reason",
    [
        (b"", "empty.py", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image.ipynb", "binary file"),
        ("x = 'caf\u00e9'".encode("latin-1"), "latin.py", "not UTF-8"),
        (b'{"cells": [', "broken.ipynb", "not valid notebook JSON"),
        (b'{"hello": 1}', "other.ipynb", "not a Jupyter notebook"),
    ],
)
def test_unreadable_files_get_a_message_the_student_can_act_on(raw, filename, reason):
    with pytest.raises(UnreadableSubmission, match=reason):
        submission_from_bytes(raw, name="s", filename=filename)


def test_the_same_bytes_give_the_same_digest_and_a_change_gives_another():
    first = submission_from_bytes(b"x = 1\n", name="a", filename="a.py")
    again = submission_from_bytes(b"x = 1\n", name="b", filename="b.py")
    changed = submission_from_bytes(b"x = 2\n", name="a", filename="a.py")
    assert first.sha256 == again.sha256 != changed.sha256
