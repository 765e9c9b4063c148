"""probes.forward_gate and variants: which answers count as cross-entropy or a catalogued misreading of it."""

import numpy as np
import pytest

from celoss import probes, variants

X = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 2.0]])
Y = np.array([2, 0])


def test_the_gate_message_is_pinned():
    result = probes.forward_gate(0.5 * np.mean(X ** 2) + 1, X, Y)
    assert not result.passed and result.bug is None and result.details["gate"]
    assert result.message == (
        "This test checks your code against itself, so it pays only when CELoss.forward computes cross-entropy, "
        "or one of its known misreadings, on the same logits. On random float64 logits x of shape (2, 3) it "
        "returned 1.854166667, while cross-entropy gives 2.067107402: fix the forward first."
    )


def test_a_zero_loss_is_a_placeholder():
    assert probes.forward_gate(0.0, X, Y).bug == "placeholder-output"


@pytest.mark.parametrize("index", range(len(variants.FORWARD_NAMES)))
def test_every_catalogued_reading_passes_the_gate_under_its_own_name(index):
    rng = np.random.default_rng(index)
    x, y = 2.5 * rng.standard_normal((7, 4)), rng.integers(0, 4, 7)
    name, value = list(variants.forward_variants(x, y))[index]
    gate = probes.forward_gate(value, x, y)
    assert gate.passed and gate.details["reading"] == name


@pytest.mark.parametrize("loss", [
    lambda x, y: 0.5 * np.mean(x ** 2) + 1,                      # made up
    lambda x, y: np.float64(variants.forward_variants(x, y).__next__()[1] * (1 + 1e-5)),  # 1e-5 off
    lambda x, y: np.array(["2.0"]),                              # not a number
    lambda x, y: np.zeros((0,)),                                 # an empty array
    lambda x, y: np.broadcast_to(np.float64(1.0), (10**6, 10**6)),  # too big to widen
])
def test_other_answers_fail_the_gate(loss):
    rng = np.random.default_rng(0)
    x, y = 2.5 * rng.standard_normal((7, 4)), rng.integers(0, 4, 7)
    assert not probes.forward_gate(loss(x, y), x, y).passed


def test_per_sample_losses_and_a_shape_one_mean_are_the_not_scalar_reading():
    per_sample = list(variants.forward_variants(X, Y))[variants.PER_SAMPLE][1]
    assert probes.forward_gate(per_sample, X, Y).details["reading"] == "not-scalar"
    assert probes.forward_gate(np.array([per_sample.mean()]), X, Y).details["reading"] == "not-scalar"


@pytest.mark.parametrize("loss", [[np.zeros(3), 1.0], "2.0", None, True, 10**400])
def test_odd_answers_fail_the_gate_without_raising(loss):
    assert not probes.forward_gate(loss, X, Y).passed


def test_the_vectorised_cross_entropy_is_each_points_own_to_a_few_ulps():
    rng = np.random.default_rng(5)
    for n, c in ((2, 3), (60, 7), (120, 12)):
        y = rng.integers(0, c, n)
        points = [2.5 * rng.standard_normal((n, c)) for _ in range(12)]
        one_by_one = [next(variants.forward_variants(z, y))[1] for z in points]
        np.testing.assert_allclose(variants.correct_losses(points, y), one_by_one, rtol=1e-13, atol=0)


def test_only_a_real_number_clearly_equal_to_cross_entropy_skips_the_classification():
    rng = np.random.default_rng(6)
    x, y = 2.5 * rng.standard_normal((7, 4)), rng.integers(0, 4, 7)
    want = float(variants.correct_losses([x], y)[0])
    for clear in (want, np.float64(want), np.float32(want) * 0 + want, want * (1 + 0.9 * variants.READING_RTOL)):
        assert variants.clearly_correct(clear, want) and variants.forward_reading(clear, x, y) == "correct"
    not_clear = (want * (1 + 1.1 * variants.READING_RTOL), -want, np.array(want), np.array([want]), int(want), True,
                 None, float("nan"), "2.0")
    assert not any(variants.clearly_correct(value, want) for value in not_clear)
    assert not variants.clearly_correct(want, float("nan"))
