"""contract: scalar losses, adjoint shapes, zero dy, and dout scaling (messages pinned)."""

import numpy as np
import pytest

from autograder.checks.contract import check_dout_scaling, check_like, check_pair, check_scalar, check_zero


@pytest.mark.parametrize("value", [1.5, 2, np.float64(1.5), np.float32(1.5), np.array(1.5)])
def test_scalar_forms_accepted(value):
    assert check_scalar(value).passed


@pytest.mark.parametrize("value, shape", [(np.array([1.5]), (1,)), (np.ones(4), (4,)), (np.ones((1, 1)), (1, 1))])
def test_non_scalars_refused_by_ndim(value, shape):
    result = check_scalar(value)
    assert not result.passed and result.details["shape"] == shape
    assert result.message.startswith("the loss should be a scalar (np.ndim == 0), but came back as an array of shape")


def test_list_and_bool_are_not_losses():
    assert check_scalar([1.0]).message == "the loss should be a scalar (np.ndim == 0), but came back as a list of 1 item."
    assert not check_scalar(True).passed


def test_pair_and_like():
    x = np.zeros((5, 3))
    assert check_pair((x, 0.0)).passed and check_pair([x, 0]).passed
    assert check_pair(x).message == "backward should return a pair (dx, dy), but returned an array of shape (5, 3) and dtype float64."
    assert check_like(np.zeros((3, 5)), x).message == "dx has shape (3, 5); it must have the shape of x, (5, 3)."
    assert not check_like(np.zeros((5, 3), np.int64), x).passed
    assert check_like(np.zeros((5, 3)), x).passed


@pytest.mark.parametrize("dy", [0, 0.0, np.float64(0), np.array(0.0), np.zeros(5, np.int64), np.zeros(5)])
def test_zero_forms_accepted(dy):
    assert check_zero(dy, np.arange(5)).passed


@pytest.mark.parametrize("dy", [None, 1.0, np.ones(5), np.zeros(4), np.zeros((5, 1))])
def test_nonzero_or_misshapen_dy_refused(dy):
    assert not check_zero(dy, np.arange(5)).passed


def _backward(scale):
    base = np.arange(12.0).reshape(4, 3) - 5
    return lambda dout: (scale(dout) * base, 0.0)


def test_dout_scaling_passes_linear_backward_for_float_and_0d():
    seen = []

    def backward(dout):
        seen.append(type(dout))
        return dout * np.ones((4, 3)), 0.0

    assert check_dout_scaling(backward, zero_like=np.arange(4)).passed
    assert seen.count(float) == 4 and seen.count(np.ndarray) == 4


def test_dout_scaling_detects_ignored_dout():
    result = check_dout_scaling(_backward(lambda d: 1.0))
    assert not result.passed and result.details["ignores_dout"]
    assert result.message.startswith(
        "backward must return dout * d(loss)/dx: with dout = 0.37 given as a float, dx should be 0.37 times dx at "
        "dout = 1.0, within rtol=1e-07, atol=6e-09.\nIt did not change at all when dout changed.\n"
        "Worst at index (3, 2): got 6, expected 2.22."
    )


def test_dout_scaling_detects_nonlinear_use_and_nonzero_dy():
    result = check_dout_scaling(_backward(lambda d: float(d) ** 2))
    assert not result.passed and not result.details["ignores_dout"]
    bad_dy = check_dout_scaling(lambda d: (d * np.ones(3), np.ones(3)), zero_like=np.arange(3))
    assert "dy should be 0" in bad_dy.message


def test_dout_scaling_reports_a_crash_free_type_error():
    result = check_dout_scaling(lambda d: (None, 0.0))
    assert result.message == "with dout = 1.0 given as a float, dx came back as a Python NoneType."


def test_dout_scaling_checks_the_shape_before_converting():
    huge = np.broadcast_to(np.float32(1), (10**6, 10**6))
    result = check_dout_scaling(lambda d: (huge, 0.0), like=np.zeros((4, 3)))
    assert result.message == "with dout = 1.0 given as a float, dx has shape (1000000, 1000000); it must have the shape (4, 3)."


def test_dout_scaling_tolerance_follows_the_inputs_not_the_answer():
    base = np.random.default_rng(0).standard_normal((4, 3))
    noisy = lambda d: ((d * base * (1 + 3e-6 * (d != 1.0))).astype(np.float32), 0.0)  # noqa: E731
    assert not check_dout_scaling(noisy, like=np.zeros((4, 3))).passed
    assert check_dout_scaling(noisy, like=np.zeros((4, 3), np.float32)).passed


RAGGED = [np.zeros(3), 1.0]  # np.shape or np.ndim would raise ValueError on it, inside the trusted parent


def test_a_ragged_list_is_refused_without_raising():
    assert check_scalar(RAGGED).message == (
        "the loss should be a scalar (np.ndim == 0), but came back as a list of 2 items.")
    assert not check_zero(RAGGED, np.arange(3)).passed
    assert not check_zero(10**400, np.arange(3)).passed
    assert not check_scalar(10**400).passed
