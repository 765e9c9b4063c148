"""Hidden graders for numerical stability: the public battery of hard inputs, forward and backward."""

import pytest

from autograder.checks import stability
from . import probes


def _battery(student, reference, rng, family: str, what: str):
    celoss = student.CELoss
    probes.run(
        f"CELoss.forward and CELoss.backward on {what}, against exact values.",
        lambda: stability.check_battery(celoss.forward, celoss.backward, stability.battery(family)),
        student, reference, rng, stage="stability",
    )


@pytest.mark.points(1)
@pytest.mark.part("stability")
def test_large_logits(student, reference, rng):
    """Logits of 1e4, 1e30 and the float32 maximum give exact, finite results."""
    _battery(student, reference, rng, "large", "huge logits (1e4, 1e30, float32 max)")


@pytest.mark.points(1)
@pytest.mark.part("stability")
def test_extreme_rows(student, reference, rng):
    """-inf at a non-target, rows 800 apart, [0, 800] and [-1000]*3 give exact results."""
    _battery(student, reference, rng, "extreme", "extreme rows (-inf, rows 800 apart, [0, 800], [-1000]*3)")


@pytest.mark.points(1)
@pytest.mark.part("stability")
def test_float32_limits(student, reference, rng):
    """float32 logits near exp's overflow (88.7) and underflow (-104) limits give exact results."""
    _battery(student, reference, rng, "float32", "float32 logits near exp's overflow and underflow limits")
