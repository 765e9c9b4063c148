"""Hidden graders for CELoss.backward: the contract, parity, finite differences and the chain rule.

Three of these tests compare the submission with itself (the contract, its own finite differences,
linearity in dout). They pay only when CELoss.forward on the same logits is cross-entropy or a
catalogued misreading of it (`probes.gated`), so a made-up loss with its exact gradient earns nothing.
"""

import numpy as np
import pytest

from autograder.checks import compare, contract, gradcheck
from autograder.checks.calls import each_value
from autograder.checks.result import CheckResult
from autograder.errors import Raised
from . import probes, variants


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
        lambda: probes.gated(student, x, y, lambda _: _contract(student.CELoss.backward(x, y, 1.0), x, y)),
        student, reference, rng, stage="backward",
    )


@pytest.mark.points(1)
@pytest.mark.part("backward")
def test_dx_matches_reference(student, reference, rng):
    """dx equals the reference's within rtol=1e-7, atol=1e-9*max|dx| (float64 logits) or rtol=1e-5, atol=1e-5*max|dx| (float32)."""
    n, c = probes.sizes(rng)
    batches = probes.batches(rng, n, c)

    def check():
        calls = [(inputs, y, 1.0) for inputs, y in batches]
        for (inputs, y), out in zip(batches, each_value(student.CELoss.backward, calls)):
            result = contract.check_pair(out)
            if result.passed:
                want = reference.CELoss.backward(inputs.astype(np.float64), y, 1.0)[0]
                result = compare.compare_array(out[0], want, inputs=inputs)
            if not result.passed:
                return CheckResult.fail(f"On {probes.describe(inputs, y)}:\n{result.message}", **result.details)
        return CheckResult.ok()

    probes.run("dx from CELoss.backward(x, y, 1.0) on random float64 and float32 logits, and on labels that miss the "
               "last class, against the reference.",
               check, student, reference, rng, stage="backward")


# A forward misreading that scales the loss: finite differences of it are this factor times the true dx.
_LOSS_SCALE = {"sum-not-mean": lambda n, c: float(n), "missing-minus": lambda n, c: -1.0,
               "mean-over-classes": lambda n, c: 1.0 / c}


class _LeftCrossEntropy(Exception):
    """CELoss.forward stopped computing its reading of cross-entropy at a point the differences use."""

    def __init__(self, gate: CheckResult):
        self.gate = gate


def _own_loss(student, y, reading):
    """Your forward as a scalar function of x, checked at every point to be the same reading of cross-entropy;
    and the same at many points, asked of the sandbox in one exchange.

    Per-sample losses are averaged, so `not-scalar` is charged once, in the forward part.
    """
    n = len(y)

    def checked(out, z):
        if isinstance(out, Raised):
            raise out.error
        gate = probes.forward_gate(out, z, y)
        if not gate.passed:
            raise _LeftCrossEntropy(gate)
        if gate.details["reading"] != reading:
            raise _LeftCrossEntropy(CheckResult.fail(
                f"CELoss.forward computed {reading} at x but {gate.details['reading']} at a point 1e-5 away: "
                "the finite differences need one function of x.", gate=True))
        if reading == "not-scalar" and isinstance(out, np.ndarray) and out.size in (1, n) and out.dtype.kind in "iuf":
            return float(np.mean(out.astype(np.float64)))
        return out

    def f(z):
        return checked(student.CELoss.forward(z, y), z)

    def f_many(points):
        outs = student.CELoss.forward.many([(z, y) for z in points])
        # Cross-entropy at every point in one pass: a loss clearly equal to it needs no classification (~30 us each).
        expected = variants.correct_losses(points, y) if reading == "correct" else None
        for index, (z, out) in enumerate(zip(points, outs)):
            clear = expected is not None and variants.clearly_correct(out, float(expected[index]))
            yield out if clear else checked(out, z)

    return f, f_many


@pytest.mark.points(1)
@pytest.mark.part("backward")
def test_dx_matches_finite_differences(student, reference, rng):
    """dx equals central differences of your own forward within atol=1e-7*max|dx| (small input) and 1e-6*||dx|| (3 directions)."""
    small_x, small_y = probes.logits(rng, 2, 3)
    n, c = probes.sizes(rng, 50, 120)
    large_x, large_y = probes.logits(rng, n, c)
    directions = rng.standard_normal((3, n, c))

    def check():
        result = CheckResult.ok()
        for x, y, full in ((small_x, small_y, True), (large_x, large_y, False)):
            gate = probes.forward_gate(student.CELoss.forward(x, y), x, y)
            if not gate.passed:
                return gate
            reading = gate.details["reading"]
            out = student.CELoss.backward(x, y, 1.0)
            pair = contract.check_pair(out)
            if pair.passed:
                pair = contract.check_nonzero(out[0])
            if not pair.passed:
                return pair
            scales = (1.0,) + ((_LOSS_SCALE[reading](*x.shape),) if reading in _LOSS_SCALE else ())
            f, f_many = _own_loss(student, y, reading)
            try:
                result = (gradcheck.full_central_differences(f, x, out[0], scales=scales, f_many=f_many) if full
                          else gradcheck.random_directions(f, x, out[0], directions, scales=scales, f_many=f_many))
            except _LeftCrossEntropy as left:
                return left.gate
            if not result.passed:
                label = "every entry, small input" if full else "random directions, large input"
                return CheckResult.fail(f"[{label}, x of shape {x.shape}] {result.message}", **result.details)
        return result

    probes.run("dx from CELoss.backward against finite differences of CELoss.forward (your own loss).",
               check, student, reference, rng, stage="gradcheck")


@pytest.mark.points(1)
@pytest.mark.part("backward")
def test_dx_scales_with_dout(student, reference, rng):
    """dx(dout) = dout * dx(1) within rtol=1e-7 for dout in 1, 0.37, -2.5, 0, as a float and as a 0-d array; dy stays 0."""
    n, c = probes.sizes(rng)
    x, y = probes.logits(rng, n, c)
    probes.run(
        f"CELoss.backward(x, y, dout) for dout in {contract.DOUTS}, each as a float and as a 0-d array, "
        f"on {probes.describe(x)}.",
        lambda: probes.gated(student, x, y, lambda _: _nonzero_then_scaling(student, x, y)),
        student, reference, rng, stage="dout",
    )


def _nonzero_then_scaling(student, x, y) -> CheckResult:
    out = student.CELoss.backward(x, y, 1.0)
    result = contract.check_pair(out)
    if result.passed:
        result = contract.check_nonzero(out[0])
    if not result.passed:
        return result
    return contract.check_dout_scaling(
        lambda dout: student.CELoss.backward(x, y, dout), zero_like=y, like=x,
        backward_many=lambda douts: each_value(student.CELoss.backward, [(x, y, dout) for dout in douts]),
    )
