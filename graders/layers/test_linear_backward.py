"""Hidden graders for Linear.backward: (dx, dW, db) shaped like (x, W, b), the reference's values, finite
differences of the student's own forward, and linearity in dout. The last three pay only once forward is right."""

import numpy as np
import pytest

from autograder.checks import adjoints, vjp
from autograder.checks.result import CheckResult
from .common import decoy_forward, forward_gate, parity, run
from .inputs import describe, linear_inputs, sizes

NAMES = ("x", "W", "b")


def _gate(student, reference, x, w, b) -> CheckResult:
    return forward_gate(student.Linear.forward, (x, w, b), reference.Linear.forward(x, w, b), op="Linear",
                        variants=(x @ w,))


def _first_failure(*checks) -> CheckResult:
    for check in checks:
        result = check()
        if not result.passed:
            return result
    return CheckResult.ok()


def _contract(student, x, w, b, dout) -> CheckResult:
    out = student.Linear.backward(x, w, b, dout)
    result = adjoints.check_adjoints(out, (x, w, b), names=NAMES, what="Linear.backward")
    if result.passed and all(not np.any(a) for a in out):
        return CheckResult.fail("Linear.backward returned all zeros. On random inputs the true adjoints are never "
                                "zero, so a placeholder earns nothing: compute the real gradient.",
                                bug="placeholder-output")
    return result


@pytest.mark.points(1)
@pytest.mark.part("linear_backward")
def test_backward_returns_one_adjoint_per_input(student, reference, rng):
    """backward returns (dx, dW, db), shaped like x (N, D), W (D, M) and b (M,): db is not (1, M)."""
    x, w, b, dout = linear_inputs(rng, *sizes(rng))
    run(f"Linear.backward(x, W, b, dout) returns (dx, dW, db) shaped like (x, W, b), on "
        f"{describe(x, w, b, dout, names='x W b dout')}.",
        lambda: _first_failure(lambda: _gate(student, reference, x, w, b), lambda: _contract(student, x, w, b, dout)),
        student, rng, stage="linear_backward")


@pytest.mark.points(1)
@pytest.mark.part("linear_backward")
def test_backward_matches_reference(student, reference, rng):
    """dx, dW and db equal the reference's, in float64 (rtol 1e-7) and in float32 (rtol 1e-5)."""
    cases = [linear_inputs(rng, *sizes(rng), scale=2.0), linear_inputs(rng, *sizes(rng), dtype=np.float32)]

    def check():
        for x, w, b, dout in cases:
            decoy_forward(student.Linear.forward, -2 * x, w[::-1].copy(), -b)
            got = student.Linear.backward(x, w, b, dout)
            result = adjoints.check_adjoints(got, (x, w, b), names=NAMES, what="Linear.backward")
            for name, mine, theirs in zip(NAMES, got if result.passed else (), reference.Linear.backward(x, w, b, dout)):
                result = parity(mine, theirs, what=f"d{name}", inputs=(x, w, b, dout))
                if not result.passed:
                    break
            if not result.passed:
                return CheckResult.fail(f"[{x.dtype} inputs: x {x.shape}, W {w.shape}, b {b.shape}] {result.message}",
                                        **result.details)
        return CheckResult.ok()

    run("dx, dW, db from Linear.backward(x, W, b, dout) against the reference, on random float64 and float32 inputs.",
        check, student, rng, stage="linear_backward")


@pytest.mark.points(1)
@pytest.mark.part("linear_backward")
def test_backward_matches_finite_differences(student, reference, rng):
    """Each adjoint agrees with central differences of your own forward: every entry of a small input,
    3 random directions of a large one."""
    small = linear_inputs(rng, 3, 4, 2)
    large = linear_inputs(rng, *sizes(rng, 40, 90), scale=3.0)

    def check():
        for (x, w, b, dout), every_entry in ((small, True), (large, False)):
            result = _first_failure(lambda: _gate(student, reference, x, w, b),
                                    lambda: _contract(student, x, w, b, dout))
            if result.passed:
                result = vjp.check_vjp(student.Linear.forward, (x, w, b), dout,
                                       student.Linear.backward(x, w, b, dout), names=NAMES, rng=rng,
                                       every_entry=every_entry, op="Linear.forward")
            if not result.passed:
                label = "every entry, small input" if every_entry else "random directions, large input"
                return CheckResult.fail(f"[{label}, x {x.shape}, W {w.shape}] {result.message}", **result.details)
        return CheckResult.ok()

    run("Linear.backward against central differences of Linear.forward (your own forward).",
        check, student, rng, stage="linear_backward")


@pytest.mark.points(1)
@pytest.mark.part("linear_backward")
def test_backward_is_linear_in_dout(student, reference, rng):
    """backward(s * dout) = s * backward(dout) for s in 2, -1, 0.37, and backward(d1 + d2) adds up."""
    x, w, b, dout = linear_inputs(rng, *sizes(rng))
    other = rng.standard_normal(dout.shape)
    run(f"Linear.backward(x, W, b, dout) is linear in dout, on {describe(x, w, b, dout, names='x W b dout')}.",
        lambda: _first_failure(
            lambda: _gate(student, reference, x, w, b), lambda: _contract(student, x, w, b, dout),
            lambda: adjoints.check_linearity(lambda d: student.Linear.backward(x, w, b, d), dout, other,
                                             names=NAMES, inputs=(x, w, b))),
        student, rng, stage="linear_backward")
