"""Hidden graders for ReLU: forward and backward against the reference on inputs with exact zeros (gradient 0
there, as in torch), then finite differences away from the kink and linearity in dout, once forward is right."""

import numpy as np
import pytest

from autograder.checks import adjoints, vjp
from autograder.checks.result import CheckResult
from .common import decoy_forward, forward_gate, parity, run
from .inputs import describe, relu_input, relu_shape


def _forward(student, reference, x) -> CheckResult:
    got = student.ReLU.forward(x)
    result = adjoints.check_output(got, x.shape, what="ReLU.forward", dtype=x.dtype)
    return result if not result.passed else parity(got, reference.ReLU.forward(x), what="out", inputs=(x,))


@pytest.mark.points(1)
@pytest.mark.part("relu")
def test_relu_forward_matches_reference(student, reference, rng):
    """ReLU.forward keeps x's shape (2-D or 3-D) and dtype (float64, float32) and equals max(x, 0)."""
    cases = [relu_input(rng, relu_shape(rng)), relu_input(rng, relu_shape(rng), dtype=np.float32)]

    def check():
        for x in cases:
            result = _forward(student, reference, x)
            if not result.passed:
                return CheckResult.fail(f"[{x.dtype} x of shape {x.shape}] {result.message}", **result.details)
        return CheckResult.ok()

    run("ReLU.forward(x) against the reference, on random float64 and float32 x with exact zeros.",
        check, student, rng, stage="relu_forward")


def _backward(student, reference, x, dout) -> CheckResult:
    decoy_forward(student.ReLU.forward, -x)
    got = student.ReLU.backward(x, dout)
    result = adjoints.check_adjoints(got, (x,), names=("x",), what="ReLU.backward")
    if not result.passed:
        return result
    return parity(adjoints.as_adjoints(got, 1)[0], reference.ReLU.backward(x, dout), what="dx", inputs=(x, dout))


@pytest.mark.points(1)
@pytest.mark.part("relu")
def test_relu_backward_matches_reference(student, reference, rng):
    """dx = dout where x > 0 and 0 elsewhere, exactly 0 where x == 0, like the reference (and torch); the mask
    comes from backward's own x, even right after a forward call on other inputs."""
    x = relu_input(rng, relu_shape(rng), zeros=0.3)
    dout = rng.standard_normal(x.shape)
    run(f"ReLU.backward(x, dout) against the reference, on {describe(x, dout, names='x dout')} where "
        f"{int(np.sum(x == 0))} entries of x are exactly 0.",
        lambda: _backward(student, reference, x, dout), student, rng, stage="relu_backward")


@pytest.mark.points(1)
@pytest.mark.part("relu")
def test_relu_backward_finite_differences_and_linearity(student, reference, rng):
    """dx agrees with central differences of your own forward away from 0, and is linear in dout."""
    small = relu_input(rng, (4, 3), away_from_zero=True)
    large = relu_input(rng, relu_shape(rng), away_from_zero=True)
    kinked = relu_input(rng, relu_shape(rng), zeros=0.3)
    douts = rng.standard_normal((2, *kinked.shape))

    def check():
        for x in (small, large, kinked):
            gate = forward_gate(student.ReLU.forward, (x,), reference.ReLU.forward(x), op="ReLU")
            if not gate.passed:
                return gate
        for x, every_entry in ((small, True), (large, False)):
            dout = rng.standard_normal(x.shape)
            got = student.ReLU.backward(x, dout)
            result = adjoints.check_adjoints(got, (x,), names=("x",), what="ReLU.backward")
            if result.passed:
                result = vjp.check_vjp(student.ReLU.forward, (x,), dout, adjoints.as_adjoints(got, 1), names=("x",),
                                       rng=rng, every_entry=every_entry, op="ReLU.forward")
            if not result.passed:
                label = "every entry, small input" if every_entry else "random directions, larger input"
                return CheckResult.fail(f"[{label}, x {x.shape}] {result.message}", **result.details)
        return adjoints.check_linearity(lambda d: student.ReLU.backward(kinked, d), douts[0], douts[1],
                                        names=("x",), inputs=(kinked,))

    run("ReLU.backward against central differences of ReLU.forward (x away from 0), and linearity in dout.",
        check, student, rng, stage="relu_backward")
