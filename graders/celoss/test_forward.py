"""Hidden graders for CELoss.forward: a scalar mean loss that matches the reference."""

import numpy as np
import pytest

from autograder.checks import compare, contract
from autograder.checks.calls import each_value
from autograder.checks.result import CheckResult
from . import probes


@pytest.mark.points(1)
@pytest.mark.part("forward")
def test_forward_returns_a_scalar(student, reference, rng):
    """forward(x, y) returns one number: the mean loss (paid only when that number is cross-entropy)."""
    n, c = probes.sizes(rng)
    x, y = probes.logits(rng, n, c)
    probes.run(
        f"CELoss.forward(x, y) returns a scalar, on {probes.describe(x)}.",
        lambda: _scalar_and_cross_entropy(student.CELoss.forward(x, y), x, y),
        student, reference, rng, stage="forward",
    )


def _scalar_and_cross_entropy(loss, x, y) -> CheckResult:
    result = contract.check_scalar(loss)
    if not result.passed:
        return CheckResult.fail(result.message, bug="not-scalar", **result.details)
    return probes.forward_gate(loss, x, y)


@pytest.mark.points(2)
@pytest.mark.part("forward")
def test_loss_matches_reference(student, reference, rng):
    """The loss equals the reference's within rtol=1e-10, atol=1e-10 (float64 logits) or rtol=1e-5, atol=1e-5 (float32)."""
    n, c = probes.sizes(rng)
    batches = probes.batches(rng, n, c)

    def check() -> CheckResult:
        for (inputs, y), loss in zip(batches, each_value(student.CELoss.forward, batches)):
            want = reference.CELoss.forward(inputs.astype(np.float64), y)
            result = compare.compare_scalar(loss, want, inputs=inputs)
            if not result.passed:
                return CheckResult.fail(f"On {probes.describe(inputs, y)}:\n{result.message}", **result.details)
        return CheckResult.ok()

    probes.run("CELoss.forward(x, y) on random float64 and float32 logits, and on labels that miss the last class, "
               "against the reference.",
               check, student, reference, rng, stage="forward")
