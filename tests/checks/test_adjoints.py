"""Adjoint contracts: one adjoint per input shaped like it, outputs of the expected shape, linearity in dout."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.adjoints import as_adjoints, check_adjoints, check_linearity, check_output

RNG = np.random.default_rng(0)
X, W, B = RNG.standard_normal((5, 4)), RNG.standard_normal((4, 3)), RNG.standard_normal(3)
DOUT, DOUT2 = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 3))
NAMES = ("x", "W", "b")


def linear_backward(dout):
    return dout @ W.T, X.T @ dout, dout.sum(axis=0)


def test_correct_adjoints_pass_the_contract_and_linearity():
    assert check_adjoints(linear_backward(DOUT), (X, W, B), names=NAMES).passed
    assert check_linearity(linear_backward, DOUT, DOUT2, names=NAMES, inputs=(X, W, B)).passed


def test_one_input_accepts_a_bare_array_or_a_one_tuple():
    assert as_adjoints(X, 1)[0] is X and as_adjoints((X,), 1)[0] is X and as_adjoints([X], 1)[0] is X
    assert as_adjoints(X, 2) is None and as_adjoints((X, X), 3) is None
    assert check_adjoints(np.ones((5, 4)), (X,), names=("x",)).passed
    assert check_linearity(lambda d: d * (X > 0), DOUT[:, :1] * np.ones((1, 4)), np.ones((5, 4)), names=("x",),
                           inputs=(X,)).passed


@pytest.mark.parametrize("value, message", [
    ((np.ones((5, 4)), np.ones((4, 3))), "backward should return a tuple of 3 adjoints (dx, dW, db), one per input, "
                                         "but returned a tuple of 2 items."),
    (np.ones((5, 4)), "backward should return a tuple of 3 adjoints (dx, dW, db), one per input, but returned an "
                      "array of shape (5, 4) and dtype float64."),
    ((np.ones((5, 4)), np.ones((4, 3)), np.ones((1, 3))), "db has shape (1, 3); it must have the shape of b, (3,)."),
    ((np.ones((5, 4)), np.ones((3, 4)), np.ones(3)), "dW has shape (3, 4); it must have the shape of W, (4, 3)."),
    ((np.ones((5, 4)), np.ones((4, 3), dtype=int), np.ones(3)), "dW has dtype int64; it must be a floating-point array."),
    ((np.ones((5, 4)), 0.0, np.ones(3)), "dW should be an array shaped like W (4, 3), but came back as a Python float."),
    ((np.full((5, 4), np.nan), np.ones((4, 3)), np.ones(3)), "dx contains nan or inf on ordinary inputs."),
])
def test_contract_failures_are_pinned(value, message):
    result = check_adjoints(value, (X, W, B), names=NAMES)
    assert not result.passed and result.message == message


def test_output_contract():
    assert check_output(np.ones((5, 3)), (5, 3)).passed
    assert check_output(np.ones((5, 3)), (3, 5)).message == "forward returned shape (5, 3); expected (3, 5)."
    assert check_output(1.0, (5, 3), what="Linear.forward").message == (
        "Linear.forward should return an array of shape (5, 3), but returned a Python float.")
    assert "dtype float64 for float32 inputs" in check_output(np.ones(2), (2,), dtype=np.float32).message
    assert not check_output(np.array([1.0, np.inf]), (2,)).passed


def test_an_adjoint_that_ignores_dout_is_named():
    frozen = linear_backward(DOUT)
    result = check_linearity(lambda dout: frozen, DOUT, DOUT2, names=NAMES, inputs=(X, W, B))
    assert not result.passed and result.details["ignores_dout"] and result.details["scale"] == 2.0
    assert result.message.startswith("backward must be linear in dout: with 2 * dout, dx should be 2 times dx at dout")
    assert "It did not change at all when dout changed." in result.message


def test_masking_by_dout_instead_of_x_breaks_linearity():
    """ReLU's backward masked by dout > 0 is right for scale 2, wrong for -1."""
    result = check_linearity(lambda d: d * (d > 0), DOUT, DOUT2, names=("x",), inputs=(np.ones((5, 3)),))
    assert not result.passed and result.details["scale"] == -1.0 and not result.details["ignores_dout"]


def test_an_odd_but_nonlinear_adjoint_fails_additivity():
    odd = check_linearity(lambda d: d ** 3 / (1 + np.abs(d) ** 2), DOUT, DOUT2, names=("x",), inputs=(np.ones((5, 3)),),
                          scales=(-1.0,))
    assert not odd.passed and odd.details["scale"] == "sum"


def test_a_broken_contract_at_another_dout_says_which():
    calls = []

    def backward(dout):
        calls.append(dout)
        return linear_backward(dout) if len(calls) == 1 else (dout @ W.T, X.T @ dout)

    result = check_linearity(backward, DOUT, DOUT2, names=NAMES, inputs=(X, W, B))
    assert result.message.startswith("with a second dout: backward should return a tuple of 3 adjoints")


def test_an_extra_trailing_adjoint_is_refused():
    result = check_adjoints((*linear_backward(DOUT), None), (X, W, B), names=NAMES)
    assert result.message.endswith("one per input, but returned a tuple of 4 items.")
