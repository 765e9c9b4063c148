"""Hidden graders for numerical stability: hard logits drawn per submission, against exact values of your own reading."""

import pytest

from . import hard_inputs, probes


def _hard(student, reference, rng, family: str, what: str):
    probe = hard_inputs.draw(family, rng)
    celoss = student.CELoss
    probes.run(
        f"CELoss.forward and CELoss.backward on {what} ({probe.x.dtype}, shape {probe.x.shape}), against values "
        "exact to the last bit; first on the ordinary logits they were made from.",
        lambda: hard_inputs.check_probe(celoss.forward, celoss.backward, probe),
        student, reference, rng, stage="stability",
    )


@pytest.mark.points(1)
@pytest.mark.part("stability")
def test_large_logits(student, reference, rng):
    """Rows scaled to logits of 1e3 to 1e30 and rows shifted by thousands give exact, finite results."""
    _hard(student, reference, rng, "large", "huge logits: rows scaled far beyond exp's range, rows shifted by thousands")


@pytest.mark.points(1)
@pytest.mark.part("stability")
def test_extreme_rows(student, reference, rng):
    """-inf at a non-target, rows hundreds apart, a target far below its row's max, a very negative row."""
    _hard(student, reference, rng, "extreme",
          "extreme rows: -inf at a non-target, rows far apart, a target far below its row's max, a very negative row")


@pytest.mark.points(1)
@pytest.mark.part("stability")
def test_float32_limits(student, reference, rng):
    """float32 logits beyond exp's overflow (88.7) and underflow (-104) limits give exact results."""
    _hard(student, reference, rng, "float32", "float32 logits beyond exp's overflow (88.7) and underflow (-104) limits")
