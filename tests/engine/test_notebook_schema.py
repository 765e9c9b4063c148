"""Every notebook field is checked against the schema: junk is the student's unreadable file, never a grader error."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.errors import StudentError, UnreadableSubmission
from autograder.submission.extract import MAX_CODE_BYTES, Submission, submission_from_bytes

FUZZ = settings(derandomize=True, max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
CODE = "import numpy as np\nx = 1"


def honest(**changes) -> dict:
    cell = {"cell_type": "code", "metadata": {"nbgrader": {"solution": True, "grade": False}}, "source": CODE,
            "outputs": [], "execution_count": None}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell], **changes}


def read(document) -> Submission:
    return submission_from_bytes(json.dumps(document).encode(), name="s", filename="s.ipynb")


def with_cell(**fields) -> dict:
    document = honest()
    document["cells"][0].update(fields)
    return document


def test_the_honest_twin_is_read():
    assert read(honest()).cells == (CODE,)


@pytest.mark.parametrize(
    "document, reason",
    [
        (honest(nbformat="4"), "its nbformat is '4', not a version number"),
        (honest(nbformat=True), "its nbformat is 'True', not a version number"),
        (honest(nbformat=4.5), "not a version number"),
        (honest(cells={"0": {}}), "no cells"),
        ({"nbformat": 3, "worksheets": "junk", "cells": []}, "its worksheets are not a list of objects"),
        ({"nbformat": 3, "worksheets": [[1, 2]]}, "its worksheets are not a list of objects"),
        ({"nbformat": 3, "worksheets": [{"cells": {"a": 1}}]}, "a worksheet's cells are not a list"),
        ({"nbformat": 4, "worksheets": [], "cells": "abc"}, "no cells"),
        ({"nbformat": 4, "worksheets": [{"cells": []}]}, "its cells are not a list"),
        (with_cell(metadata=[1, 2]), "cell 1's metadata is a list, not an object"),
        (with_cell(metadata={"nbgrader": ["grade"]}), "cell 1's nbgrader metadata is a list, not an object"),
        (with_cell(metadata={"nbgrader": "x"}), "cell 1's nbgrader metadata is a str, not an object"),
        (with_cell(metadata={"tags": "autograder:skip"}), "cell 1's tags are not a list of strings"),
        (with_cell(source=42), "cell 1's source is neither text nor a list of lines"),
        (with_cell(source=["a = 1\n", 2]), "cell 1's source is neither text nor a list of lines"),
        (honest(cells=[7]), "cell 1 is not a JSON object"),
    ],
)
def test_malformed_fields_are_unreadable_with_a_clear_message(document, reason):
    with pytest.raises(UnreadableSubmission, match="is not valid notebook|is not a valid notebook|not a Jupyter") as caught:
        read(document)
    assert reason in str(caught.value)


def test_nesting_a_hundred_thousand_deep_is_unreadable():
    raw = b'{"cells": [], "metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(UnreadableSubmission, match="it is nested too deeply"):
        submission_from_bytes(raw, name="s", filename="deep.ipynb")


def test_a_number_too_long_to_read_is_unreadable():
    raw = b'{"nbformat": ' + b"9" * 5000 + b', "cells": []}'
    with pytest.raises(UnreadableSubmission, match="a number too long to read"):
        submission_from_bytes(raw, name="s", filename="long.ipynb")


def test_stored_outputs_never_count_even_60_mib_of_them():
    document = honest()
    document["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["epoch 1 loss 0.5\n"] * (4 * 2**20)}]
    raw = json.dumps(document).encode()
    assert len(raw) > 60 * 2**20
    assert submission_from_bytes(raw, name="s", filename="s.ipynb").cells == (CODE,)


def test_the_code_itself_is_capped():
    document = with_cell(source="x = 1\n" * (MAX_CODE_BYTES // 6 + 10))
    with pytest.raises(UnreadableSubmission, match="code of a submission is capped at 4 MiB"):
        read(document)


@FUZZ
@given(st.binary(max_size=400))
def test_any_bytes_give_a_submission_or_a_student_error(raw):
    _read_or_student_error(raw)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=8,
)
FIELDS = st.sampled_from(["nbformat", "cells", "worksheets", "metadata", "cell_type", "source", "input", "nbgrader",
                          "grade", "solution", "tags", "outputs"])
CELL = st.dictionaries(FIELDS, JSON | st.just("code"), max_size=5)


@settings(FUZZ, max_examples=100)
@given(st.dictionaries(FIELDS, JSON | st.lists(CELL, max_size=3) | st.lists(st.dictionaries(
    st.just("cells"), st.lists(CELL, max_size=3)), max_size=2), max_size=4))
def test_any_notebook_shaped_json_gives_a_submission_or_a_student_error(document):
    _read_or_student_error(json.dumps(document).encode())


def _read_or_student_error(raw: bytes) -> None:
    try:
        submission = submission_from_bytes(raw, name="s", filename="s.ipynb")
    except StudentError:
        return
    assert all(isinstance(cell, str) for cell in submission.cells)
