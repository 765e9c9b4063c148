"""gradcheck: calibrated central differences; correct gradients pass, subtly wrong ones fail."""

import numpy as np
import pytest
from scipy.special import logsumexp, softmax

from autograder.checks.gradcheck import SETTINGS, full_central_differences, random_directions


def loss(x, y):
    return np.mean(logsumexp(x, axis=1) - x[np.arange(len(y)), y])


def grad(x, y):
    g = softmax(x, axis=1)
    g[np.arange(len(y)), y] -= 1
    return g / len(y)


@pytest.fixture
def small():
    rng = np.random.default_rng(1)
    return 2.5 * rng.standard_normal((6, 5)), rng.integers(0, 5, 6)


@pytest.fixture
def large():
    rng = np.random.default_rng(2)
    return 2.5 * rng.standard_normal((200, 13)), rng.integers(0, 13, 200), rng.standard_normal((3, 200, 13))


def test_full_differences_pass_a_correct_gradient(small):
    x, y = small
    assert full_central_differences(lambda z: loss(z, y), x, grad(x, y)).passed


def test_full_differences_catch_a_gradient_0_1_percent_too_large(small):
    x, y = small
    result = full_central_differences(lambda z: loss(z, y), x, 1.001 * grad(x, y))
    assert not result.passed
    assert result.message.startswith("dx is not equal to central differences of the loss within rtol=0, atol=")
    assert "(1e-07 * max|dx|; step h=1e-05)" in result.message
    assert "Worst at index" in result.message and "Mismatched elements: " in result.message


def test_full_differences_report_a_scale_ratio(small):
    x, y = small
    result = full_central_differences(lambda z: len(y) * loss(z, y), x, grad(x, y))
    assert result.details["ratio"] == pytest.approx(6.0, rel=1e-6)


def test_full_differences_refuse_a_non_scalar_loss(small):
    x, y = small
    result = full_central_differences(lambda z: np.array([loss(z, y)]), x, grad(x, y))
    assert result.message == "the finite-difference check needs a scalar loss, but it came back with shape (1,)."


def test_random_directions_pass_correct_and_catch_wrong(large):
    x, y, u = large
    f = lambda z: loss(z, y)  # noqa: E731
    assert random_directions(f, x, grad(x, y), u).passed
    wrong = grad(x, y)
    wrong[0, 0] += 1e-4
    result = random_directions(f, x, wrong, u)
    assert not result.passed
    assert "random direction 1 of 3" in result.message and "(f(x+hu) - f(x-hu))/2h = " in result.message


def test_float32_settings_pass_float32_code(small, large):
    x, y, u = large
    x32 = x.astype(np.float32)
    f32 = lambda z: np.float32(loss(z.astype(np.float32), y))  # noqa: E731
    g32 = grad(x32, y).astype(np.float32)
    assert random_directions(f32, x32, g32, u).passed
    xs, ys = small
    xs32 = xs.astype(np.float32)
    assert full_central_differences(lambda z: np.float32(loss(z.astype(np.float32), ys)), xs32,
                                    grad(xs32, ys).astype(np.float32)).passed


def test_float64_settings_would_fail_float32_code(small):
    # h = 1e-5 with float32 arithmetic: rounding dominates, which is why float32 gets h = 1e-2.
    x, y = small
    x32 = x.astype(np.float32)
    g = grad(x32, y).astype(np.float32)
    result = full_central_differences(lambda z: np.float32(loss(z.astype(np.float32), y)), x.copy(), g,
                                      settings=SETTINGS["float64"])
    assert not result.passed


def test_a_float32_answer_to_float64_inputs_is_checked_with_float64_settings(small):
    # The answer's dtype never selects the step or the threshold: a biased float32 loss stays caught.
    x, y = small
    f32 = lambda z: np.float32(loss(z, y) + 3e-6 * np.sum(z))  # noqa: E731
    result = full_central_differences(f32, x, grad(x, y).astype(np.float32))
    assert not result.passed and "step h=1e-05" in result.message


def test_an_accepted_scale_explains_a_catalogued_factor(small, large):
    x, y = small
    summed = lambda z: len(y) * loss(z, y)  # noqa: E731
    assert not full_central_differences(summed, x, grad(x, y)).passed
    assert full_central_differences(summed, x, grad(x, y), scales=(1.0, float(len(y)))).passed
    assert not full_central_differences(summed, x, grad(x, y), scales=(1.0, 2.0)).passed
    xl, yl, u = large
    assert random_directions(lambda z: -loss(z, yl), xl, grad(xl, yl), u, scales=(1.0, -1.0)).passed
    assert not random_directions(lambda z: -loss(z, yl), xl, grad(xl, yl), u).passed


def test_a_loss_that_is_not_a_real_number_is_refused(small):
    x, y = small
    result = full_central_differences(lambda z: "2.0", x, grad(x, y))
    assert not result.passed and "not a real number" in result.message


def test_settings_are_the_calibrated_ones():
    assert SETTINGS["float64"].full_h == 1e-5 and SETTINGS["float64"].full_tol == 1e-7
    assert SETTINGS["float64"].direction_tol == 1e-6
    assert SETTINGS["float32"].direction_h == 1e-2 and SETTINGS["float32"].direction_tol == 5e-3


def test_a_ragged_loss_is_refused_without_raising(small):
    x, y = small
    result = full_central_differences(lambda z: [np.zeros(3), 1.0], x, grad(x, y))
    assert not result.passed and "not a real number" in result.message
