"""Hidden graders for CELoss.backward: the contract, parity, finite differences and the chain rule."""

import pytest

from autograder.checks import compare, contract, gradcheck
from autograder.checks.result import CheckResult
from . import probes


def _contract(out, x, y) -> CheckResult:
    result = contract.check_pair(out)
    if result.passed:
        result = contract.check_like(out[0], x)
    if result.passed:
        result = contract.check_nonzero(out[0])
    if result.passed:
        zero = contract.check_zero(out[1], y)
        result = zero if zero.passed else CheckResult.fail(zero.message, bug="dy-not-zero")
    return result


@pytest.mark.points(1)
@pytest.mark.part("backward")
def test_backward_returns_dx_and_zero_dy(student, reference, rng):
    """backward returns (dx, dy): dx shaped like x, dy = 0."""
    n, c = probes.sizes(rng)
    x, y = probes.logits(rng, n, c)
    probes.run(
        f"CELoss.backward(x, y, 1.0) returns (dx, dy) with dx of x's shape and dy = 0, on {probes.describe(x)}.",
        lambda: _contract(student.CELoss.backward(x, y, 1.0), x, y),
        student, reference, rng, stage="backward",
    )


@pytest.mark.points(1)
@pytest.mark.part("backward")
def test_dx_matches_reference(student, reference, rng):
    """dx on random logits equals the reference's (float64 rtol 1e-7, atol 1e-9 max|dx|)."""
    n, c = probes.sizes(rng)
    x, y = probes.logits(rng, n, c)

    def check():
        out = student.CELoss.backward(x, y, 1.0)
        pair = contract.check_pair(out)
        return pair if not pair.passed else compare.compare_array(out[0], reference.CELoss.backward(x, y, 1.0)[0])

    probes.run(f"dx from CELoss.backward(x, y, 1.0) on {probes.describe(x)} against the reference.",
               check, student, reference, rng, stage="backward")


@pytest.mark.points(1)
@pytest.mark.part("backward")
def test_dx_matches_finite_differences(student, reference, rng):
    """dx agrees with central differences of your own forward: every entry of a small input, 3 directions of a large one."""
    small_x, small_y = probes.logits(rng, 2, 3)
    n, c = probes.sizes(rng, 50, 120)
    large_x, large_y = probes.logits(rng, n, c)
    directions = rng.standard_normal((3, n, c))

    def check():
        for x, y, full in ((small_x, small_y, True), (large_x, large_y, False)):
            out = student.CELoss.backward(x, y, 1.0)
            pair = contract.check_pair(out)
            if pair.passed:
                pair = contract.check_nonzero(out[0])
            if not pair.passed:
                return pair
            f = lambda z, y=y: student.CELoss.forward(z, y)  # noqa: E731
            result = (gradcheck.full_central_differences(f, x, out[0]) if full
                      else gradcheck.random_directions(f, x, out[0], directions))
            if not result.passed:
                label = "every entry, small input" if full else "random directions, large input"
                return type(result).fail(f"[{label}, x of shape {x.shape}] {result.message}", **result.details)
        return result

    probes.run("dx from CELoss.backward against finite differences of CELoss.forward (your own loss).",
               check, student, reference, rng, stage="gradcheck")


@pytest.mark.points(1)
@pytest.mark.part("backward")
def test_dx_scales_with_dout(student, reference, rng):
    """dx(dout) = dout * dx(1) for dout in 1, 0.37, -2.5, 0, given as a float and as a 0-d array; dy stays 0."""
    n, c = probes.sizes(rng)
    x, y = probes.logits(rng, n, c)
    probes.run(
        f"CELoss.backward(x, y, dout) for dout in {contract.DOUTS}, each as a float and as a 0-d array, "
        f"on {probes.describe(x)}.",
        lambda: _nonzero_then_scaling(student, x, y),
        student, reference, rng, stage="dout",
    )



def _nonzero_then_scaling(student, x, y) -> CheckResult:
    out = student.CELoss.backward(x, y, 1.0)
    result = contract.check_pair(out)
    if result.passed:
        result = contract.check_nonzero(out[0])
    if not result.passed:
        return result
    return contract.check_dout_scaling(lambda dout: student.CELoss.backward(x, y, dout), zero_like=y)
