"""A name the graders call that is missing because a cell failed says so, instead of "does not define"."""

from __future__ import annotations

import nbformat

from autograder.course.assignment import load_assignment
from autograder.grading.engine import grade_path

BROKEN_CLASS = "class CELoss:\n    @staticmethod\n    def forward(x, y)\n        return 0.0\n"


def test_a_syntax_error_is_named_in_every_test_instead_of_a_missing_method(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("import numpy as np"), nbformat.v4.new_code_cell(BROKEN_CLASS)]
    path = tmp_path / "celoss.ipynb"
    nbformat.write(notebook, path)
    report = grade_path(load_assignment("celoss"), path)
    core = [t for t in report.tests if not t.bonus]
    assert report.score == 0 and core
    for test in core:
        assert "CELoss.forward is not defined because cell 2 of the submission failed with SyntaxError" in test.message \
            or "CELoss.backward is not defined because cell 2 of the submission failed with SyntaxError" in test.message, test.message
        assert "does not define" not in test.message


def test_a_truly_missing_method_still_says_so(tmp_path):
    path = tmp_path / "celoss.py"
    path.write_text("class CELoss:\n    pass\n")
    report = grade_path(load_assignment("celoss"), path)
    assert any("does not define CELoss.forward" in t.message for t in report.tests)
