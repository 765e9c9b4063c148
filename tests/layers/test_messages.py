"""The layers graders' key teaching messages, pinned: what was checked, what came back, the misconception, the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.course.assignment import load_assignment
from autograder.grading.engine import grade_submission
from autograder.submission.extract import read_submission
from layers.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
WRONG = ROOT / "tests" / "corpus" / "layers" / "wrong"


@pytest.fixture(scope="module")
def failures():
    assignment = load_assignment("layers", ROOT)
    cache = {}

    def failed(corpus_file: str) -> dict:
        if corpus_file not in cache:
            report = grade_submission(assignment, read_submission(WRONG / f"{corpus_file}.py"), seed=0)
            cache[corpus_file] = {t.name.split("::")[1]: t for t in report.tests if not t.passed}
        return cache[corpus_file]

    return failed


def test_db_keepdims_message(failures):
    test = failures("linear_db_keepdims")["test_backward_returns_one_adjoint_per_input"]
    lines = test.message.splitlines()
    assert lines[0].startswith("Checked: Linear.backward(x, W, b, dout) returns (dx, dW, db) shaped like (x, W, b)")
    assert lines[1] == "db has shape (1, 7); it must have the shape of b, (7,)."
    assert "\n".join(lines[2:]) == CATALOGUE.explain("linear-db-keepdims")
    assert CATALOGUE.explain("linear-db-keepdims").splitlines()[1] == (
        "How to fix it: db = dout.sum(axis=0), without keepdims, so that db.shape == b.shape.")


def test_grad_at_zero_message_reads_like_numpy(failures):
    test = failures("relu_grad_ge_zero")["test_relu_backward_matches_reference"]
    assert test.bug_tags == ("bug:relu-grad-at-zero",)
    lines = test.message.splitlines()
    assert lines[0].startswith("Checked: ReLU.backward(x, dout) against the reference, on random float64 inputs")
    assert lines[0].endswith("entries of x are exactly 0.")
    assert lines[1].startswith("dx is not equal to the reference within rtol=1e-07, atol=")
    assert lines[2].startswith("Mismatched elements: ")
    assert lines[-2] == ("Likely misconception (bug:relu-grad-at-zero): the gradient at exactly x = 0 is 1 (the mask is "
                         "x >= 0); the convention, as in torch, is 0 there, and exact zeros are common (the output of "
                         "an earlier ReLU, padding).")
    assert lines[-1] == "How to fix it: use a strict mask: dx = dout * (x > 0)."


def test_writing_into_dout_names_relu_not_linear(failures):
    test = failures("relu_writes_dout")["test_relu_backward_matches_reference"]
    assert test.bug_tags == ("bug:relu-mutates-input",)
    assert "ReLU.backward raised ValueError: assignment destination is read-only" in test.message
    linear = failures("linear_cleans_dout_in_place")["test_backward_matches_reference"]
    assert linear.bug_tags == ("bug:linear-mutates-input",)


def test_a_wrong_forward_earns_no_self_consistency_points_and_says_why(failures):
    test = failures("relu_leaky")["test_relu_backward_finite_differences_and_linearity"]
    assert test.message.splitlines()[1] == (
        "this check measures backward against your own ReLU.forward, which is not right yet on these inputs, so it "
        "earns nothing until forward is fixed (the ReLU.forward tests say how).")


def test_dx_wrong_weight_is_named_from_the_crash(failures):
    test = failures("linear_dx_wrong_weight")["test_backward_matches_reference"]
    assert test.bug_tags == ("bug:linear-dx-wrong-weight",)
    assert "Linear.backward raised ValueError: matmul:" in test.message
