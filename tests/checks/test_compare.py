"""compare: tolerances by precision, and assert_allclose-style failure messages (pinned)."""

import numpy as np
import pytest

from autograder.checks.compare import compare_array, compare_scalar, precision


def test_precision_follows_the_lowest_float_width():
    assert precision(np.float64(1), 2.0) == "float64"
    assert precision(np.ones(2, np.float32), 1.0) == "float32"
    assert precision(np.float32(1)) == "float32"
    assert precision(np.ones(2, np.int64)) == "float64"


@pytest.mark.parametrize("value", [2.5, np.float64(2.5), np.array(2.5), np.float32(2.5)])
def test_scalar_forms_all_pass(value):
    assert compare_scalar(value, 2.5).passed


def test_scalar_float64_tolerance_is_1e_10_relative():
    assert compare_scalar(1.0 + 5e-11, 1.0).passed
    assert not compare_scalar(1.0 + 1e-9, 1.0).passed


def test_scalar_float32_tolerance_is_1e_5_relative_for_float32_inputs():
    inputs = np.ones((2, 3), np.float32)
    assert compare_scalar(np.float32(1.000004), 1.0, inputs=inputs).passed
    assert not compare_scalar(np.float32(1.0001), 1.0, inputs=inputs).passed


def test_a_float32_answer_to_float64_inputs_keeps_the_float64_tolerance():
    inputs = np.ones((2, 3))
    result = compare_scalar(np.float32(1.000003), 1.0, inputs=inputs)
    assert not result.passed
    assert result.message.startswith("the loss is not equal to the reference within rtol=1e-10, atol=1e-10\n")
    assert result.message.endswith(
        "Note: the inputs were float64 but the answer came back as float32; it is graded at the float64 tolerance. "
        "Compute in the dtype of x and return that dtype."
    )
    assert not compare_array(np.full(3, 1.000003, np.float32), np.ones(3), inputs=inputs).passed


def test_scalar_message_is_pinned():
    result = compare_scalar(14.0, 2.0)
    assert result.message == (
        "the loss is not equal to the reference within rtol=1e-10, atol=1e-10\n"
        "got 14, expected 2: absolute difference 12, relative difference 6."
    )
    assert result.details["got"] == 14.0 and result.bug is None


def test_scalar_shape_is_reported_first():
    result = compare_scalar(np.array([2.0]), 2.0)
    assert not result.passed
    assert result.message == "the loss should be a scalar (np.ndim == 0), but came back as an array of shape (1,) and dtype float64."


def test_scalar_nan_against_finite_fails_and_nan_matches_nan():
    assert "got nan, expected 2." in compare_scalar(float("nan"), 2.0).message
    assert compare_scalar(float("nan"), float("nan")).passed
    assert compare_scalar(float("inf"), float("inf")).passed
    assert not compare_scalar(float("inf"), 1e308).passed


def test_array_tolerances_scale_with_the_largest_reference_entry():
    expected = np.array([[1.0, 1e-20], [0.5, -0.25]])
    close = expected + 5e-10  # below atol = 1e-9 * max|ref|
    assert compare_array(close, expected).passed
    assert not compare_array(expected + 1e-8, expected).passed


def test_array_message_names_counts_and_the_worst_entry():
    expected = np.zeros((3, 4))
    expected[0, 0] = 1.0
    got = expected.copy()
    got[2, 1] = 0.5
    got[1, 3] = 0.1
    result = compare_array(got, expected)
    assert result.message == (
        "dx is not equal to the reference within rtol=1e-07, atol=1e-09\n"
        "Mismatched elements: 2 / 12 (16.7%)\n"
        "Greatest absolute difference: 0.5 at index (2, 1) (up to 1e-09 allowed): got 0.5, expected 0\n"
        "Greatest relative difference: inf at index (1, 3)"
    )
    assert result.details["index"] == (2, 1)


def test_array_shape_reason_comes_first():
    result = compare_array(np.zeros((4, 3)), np.zeros((3, 4)))
    assert result.message == "dx has shape (4, 3); expected (3, 4)."


def test_array_dtype_must_be_float():
    assert compare_array(np.zeros((2, 2), np.int64), np.zeros((2, 2))).message == (
        "dx has dtype int64; expected a floating-point array."
    )


def test_array_nan_position_is_reported():
    got = np.ones((2, 3))
    got[1, 2] = np.nan
    result = compare_array(got, np.ones((2, 3)))
    assert "dx contains nan at 1 of 6 positions, first at index (1, 2), where the reference is 1." in result.message


def test_array_never_prints_the_whole_array():
    rng = np.random.default_rng(0)
    expected = rng.standard_normal((50, 7))
    result = compare_array(expected * 2, expected)
    assert len(result.message) < 400 and "[" not in result.message


def test_float32_inputs_get_the_float32_array_tolerance_whatever_comes_back():
    expected = np.array([0.1, -0.2, 0.1])
    inputs = np.zeros(3, np.float32)
    assert compare_array((expected * (1 + 3e-6)).astype(np.float32), expected, inputs=inputs).passed
    assert compare_array(expected * (1 + 3e-6), expected, inputs=inputs).passed
    assert not compare_array((expected * (1 + 3e-6)).astype(np.float32), expected).passed


def test_an_oversized_reply_is_refused_by_shape_before_any_conversion():
    huge = np.broadcast_to(np.int8(1), (10**6, 10**6))  # 1 TB if it were ever widened to float64
    assert compare_array(huge, np.zeros((3, 4))).message == "dx has shape (1000000, 1000000); expected (3, 4)."
    assert not compare_scalar(huge, 1.0).passed


def test_a_list_is_not_an_array():
    assert compare_array([[0.0] * 4] * 3, np.zeros((3, 4))).message == (
        "dx should be an array of shape (3, 4), but came back as a list of 3 items."
    )


def test_ragged_and_huge_answers_are_failures_not_errors():
    assert not compare_scalar([np.zeros(3), 1.0], 1.0).passed
    assert not compare_scalar(10**400, 1.0).passed
    assert not compare_array([np.zeros(3), 1.0], np.zeros(2)).passed
