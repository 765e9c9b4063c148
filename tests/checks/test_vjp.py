"""check_vjp: central differences of a multi-input, array-valued op against its claimed adjoints."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.vjp import SETTINGS, check_vjp


def linear(x, W, b):
    return x @ W + b


def linear_adjoints(x, W, b, dout):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def inputs(rng, dtype=np.float64, n=6, d=4, m=3):
    return tuple(a.astype(dtype) for a in (rng.standard_normal((n, d)), rng.standard_normal((d, m)),
                                          rng.standard_normal(m)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("every_entry", [False, True])
@pytest.mark.parametrize("seed", range(20))
def test_correct_adjoints_pass(seed, every_entry, dtype):
    rng = np.random.default_rng(seed)
    x, W, b = inputs(rng, dtype)
    dout = rng.standard_normal((x.shape[0], W.shape[1])).astype(dtype)
    result = check_vjp(linear, (x, W, b), dout, linear_adjoints(x, W, b, dout), names=("x", "W", "b"), rng=rng,
                       every_entry=every_entry)
    assert result.passed, result.message


def test_large_inputs_pass_along_random_directions():
    rng = np.random.default_rng(1)
    x, W, b = inputs(rng, n=200, d=150, m=90)
    x *= 30
    dout = rng.standard_normal((200, 90))
    assert check_vjp(linear, (x, W, b), dout, linear_adjoints(x, W, b, dout), names=("x", "W", "b"), rng=rng).passed


@pytest.mark.parametrize("factor", [1.001, 0.999, -1.0, 0.0])
def test_a_slightly_wrong_adjoint_fails_and_names_its_input(factor):
    rng = np.random.default_rng(2)
    x, W, b = inputs(rng)
    dout = rng.standard_normal((6, 3))
    dx, dW, db = linear_adjoints(x, W, b, dout)
    result = check_vjp(linear, (x, W, b), dout, (dx, factor * dW, db), names=("x", "W", "b"), rng=rng)
    assert not result.passed and result.details["input"] == "W"
    assert result.message.startswith("dW disagrees with central differences of forward along random direction 1 of 3")


def test_every_entry_failure_reads_like_numpy():
    rng = np.random.default_rng(3)
    x, W, b = inputs(rng)
    dout = rng.standard_normal((6, 3))
    dx, dW, db = linear_adjoints(x, W, b, dout)
    wrong_db = db.copy()
    wrong_db[1] += 1.0
    result = check_vjp(linear, (x, W, b), dout, (dx, dW, wrong_db), names=("x", "W", "b"), every_entry=True,
                       op="Linear.forward")
    assert result.details["index"] == (1,)
    lines = result.message.splitlines()
    assert lines[0] == ("db disagrees with central differences of Linear.forward, entry by entry "
                        "(h=1e-05; 1e-06 * max|db| allowed)")
    assert lines[1] == "Mismatched elements: 1 / 3 (33.3%)"
    assert lines[2].startswith("Greatest difference at index (1,)")


def test_wrong_shape_or_bad_forward_output_fail_with_reasons():
    rng = np.random.default_rng(4)
    x, W, b = inputs(rng)
    dout = rng.standard_normal((6, 3))
    dx, dW, db = linear_adjoints(x, W, b, dout)
    transposed = check_vjp(linear, (x, W, b), dout, (dx, dW.T, db), names=("x", "W", "b"), rng=rng)
    assert transposed.message == ("dW should be an array of W's shape (4, 3) for the finite-difference check, "
                                  "but came back as an array of shape (3, 4) and dtype float64.")
    scalar = check_vjp(lambda *a: float(linear(*a).sum()), (x, W, b), dout, (dx, dW, db), names=("x", "W", "b"),
                       rng=rng)
    assert "needs forward to return an array of dout's shape (6, 3), but it returned a Python float" in scalar.message
    nan = check_vjp(lambda *a: linear(*a) * np.nan, (x, W, b), dout, (dx, dW, db), names=("x", "W", "b"), rng=rng)
    assert "returned nan or inf near ordinary inputs" in nan.message


def test_relu_away_from_its_kink_and_wrt_skips_inputs():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 7))
    x[np.abs(x) < 0.05] = 0.5  # central differences are exact only away from the kink at 0
    dout = rng.standard_normal(x.shape)
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    assert check_vjp(relu, (x,), dout, (dout * (x > 0),), names=("x",), every_entry=True).passed
    assert not check_vjp(relu, (x,), dout, (dout * (dout > 0),), names=("x",), rng=rng).passed
    labels = np.arange(5)
    assert check_vjp(lambda z, y: z[y], (x, labels), dout[:5], (dout[:5], None), names=("x", "y"), rng=rng).passed


def test_settings_follow_the_inputs_dtype():
    assert SETTINGS["float64"].h == 1e-5 and SETTINGS["float32"].h == 1e-2


def test_a_stateful_forward_cannot_fake_agreement():
    """A forward whose output drifts from call to call (a hidden counter) makes the differences disagree."""
    rng = np.random.default_rng(6)
    x, W, b = inputs(rng)
    dout = rng.standard_normal((6, 3))
    calls = []

    def drifting(*args):
        calls.append(1)
        return linear(*args) + 1e-3 * len(calls)

    result = check_vjp(drifting, (x, W, b), dout, linear_adjoints(x, W, b, dout), names=("x", "W", "b"), rng=rng)
    assert not result.passed and result.details["input"] == "x"


def test_float32_inputs_widen_the_tolerance_but_still_catch_a_one_percent_error():
    rng = np.random.default_rng(7)
    x, W, b = inputs(rng, np.float32, n=40, d=30, m=20)
    dout = rng.standard_normal((40, 20)).astype(np.float32)
    dx, dW, db = linear_adjoints(x, W, b, dout)
    assert check_vjp(linear, (x, W, b), dout, (dx, dW, db), names=("x", "W", "b"), rng=rng).passed
    assert not check_vjp(linear, (x, W, b), dout, (dx, dW, 1.01 * db), names=("x", "W", "b"), rng=rng,
                         every_entry=True).passed
