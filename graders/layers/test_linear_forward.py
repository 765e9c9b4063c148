"""Hidden graders for Linear.forward: x @ W + b of shape (N, M), in the inputs' dtype, like the reference."""

import numpy as np
import pytest

from autograder.checks import adjoints
from autograder.checks.result import CheckResult
from .common import parity, run
from .inputs import describe, linear_inputs, sizes


def _output_then_parity(student, reference, inputs, *, dtype=None) -> CheckResult:
    got = student.Linear.forward(*inputs)
    n, m = inputs[0].shape[0], inputs[1].shape[1]
    result = adjoints.check_output(got, (n, m), what="Linear.forward", dtype=dtype)
    return result if not result.passed else parity(got, reference.Linear.forward(*inputs), what="out", inputs=inputs)


@pytest.mark.points(2)
@pytest.mark.part("linear_forward")
def test_forward_matches_reference(student, reference, rng):
    """Linear.forward(x, W, b) has shape (N, M) and equals the reference's x @ W + b (float64 rtol 1e-7)."""
    x, w, b, _ = linear_inputs(rng, *sizes(rng), scale=3.0)
    run(f"Linear.forward(x, W, b) against the reference, on {describe(x, w, b, names='x W b')}.",
        lambda: _output_then_parity(student, reference, (x, w, b)), student, rng, stage="linear_forward")


@pytest.mark.points(1)
@pytest.mark.part("linear_forward")
def test_forward_float32_and_edge_shapes(student, reference, rng):
    """float32 inputs give a float32 output; N = 1, D = 1 and M = 1 work, with b broadcast over the rows."""
    cases = [linear_inputs(rng, *sizes(rng), dtype=np.float32)[:3]]
    for n, d, m in ((1, int(rng.integers(2, 6)), int(rng.integers(6, 9))), (int(rng.integers(3, 8)), 1, 1)):
        cases.append(linear_inputs(rng, n, d, m)[:3])

    def check():
        for inputs in cases:
            result = _output_then_parity(student, reference, inputs, dtype=inputs[0].dtype)
            if not result.passed:
                shapes = ", ".join(str(a.shape) for a in inputs)
                return CheckResult.fail(f"[{inputs[0].dtype} x, W, b of shapes {shapes}] {result.message}",
                                        **result.details)
        return CheckResult.ok()

    run("Linear.forward on float32 inputs and on inputs with N = 1, or D = M = 1, against the reference.",
        check, student, rng, stage="linear_forward")
