"""Hidden graders for CELoss.forward: a scalar mean loss that matches the reference."""

import numpy as np
import pytest

from autograder.checks import compare, contract
from . import probes


@pytest.mark.points(1)
@pytest.mark.part("forward")
def test_forward_returns_a_scalar(student, reference, rng):
    """forward(x, y) returns one number: the mean loss."""
    n, c = probes.sizes(rng)
    x, y = probes.logits(rng, n, c)
    probes.run(
        f"CELoss.forward(x, y) returns a scalar, on {probes.describe(x)}.",
        lambda: _scalar_or_not(student.CELoss.forward(x, y), lambda: student.CELoss.forward(2 * x, y)),
        student, reference, rng, stage="forward",
    )


def _scalar_or_not(loss, loss_of_doubled_logits):
    result = contract.check_scalar(loss)
    if not result.passed:
        return type(result).fail(result.message, bug="not-scalar", **result.details)
    if not float(loss) > 0:
        return type(result).fail(
            f"the loss came back as {float(loss)!r}. Cross-entropy on random logits is always a positive, "
            "finite number: -log of a probability below 1.",
            bug="placeholder-output" if float(loss) == 0 else None,
        )
    if np.ndim(other := loss_of_doubled_logits()) == 0 and float(other) == float(loss):
        return type(result).fail(
            f"the loss came back as {float(loss)!r} for x and again for 2 * x. The loss depends on the logits; "
            "a constant is a placeholder, not a loss.",
            bug="placeholder-output",
        )
    return result


@pytest.mark.points(2)
@pytest.mark.part("forward")
def test_loss_matches_reference(student, reference, rng):
    """The loss on random logits equals the reference's (float64 rtol 1e-10)."""
    n, c = probes.sizes(rng)
    x, y = probes.logits(rng, n, c)
    probes.run(
        f"CELoss.forward(x, y) on {probes.describe(x)} against the reference.",
        lambda: compare.compare_scalar(student.CELoss.forward(x, y), reference.CELoss.forward(x, y)),
        student, reference, rng, stage="forward",
    )
