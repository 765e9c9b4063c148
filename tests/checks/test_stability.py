"""stability: the battery's exact values (recomputed with mpmath), and the runner on stable and naive code."""

import mpmath
import numpy as np
import pytest
from scipy.special import logsumexp, softmax

from autograder.checks.stability import BATTERY, battery, check_battery, check_probe


def exact(x, y):
    """Mean loss and dx at 60 digits."""
    mpmath.mp.dps = 60
    n = len(y)
    total, dx = mpmath.mpf(0), []
    for row, t in zip(np.asarray(x, dtype=np.float64), y):
        vals = [mpmath.mpf(float(v)) if np.isfinite(v) else None for v in row]
        m = max(v for v in vals if v is not None)
        exps = [mpmath.e ** (v - m) if v is not None else mpmath.mpf(0) for v in vals]
        s = mpmath.fsum(exps)
        total += m + mpmath.log(s) - vals[t]
        dx.append([float((e / s - (j == t)) / n) for j, e in enumerate(exps)])
    return float(total / n), np.array(dx)


@pytest.mark.parametrize("probe", BATTERY, ids=[p.name for p in BATTERY])
def test_battery_values_are_exact(probe):
    loss, dx = exact(probe.x, probe.y)
    assert probe.loss == pytest.approx(loss, rel=1e-15)
    np.testing.assert_allclose(probe.dx, dx, rtol=1e-14, atol=1e-300)
    assert probe.x.shape[0] != probe.x.shape[1], "N != C in every probe"


def test_battery_covers_the_required_inputs():
    names = {p.name for p in BATTERY}
    assert {"logits of 1e4", "logits of 1e30", "float32 max logits", "-inf at a non-target", "rows 800 apart",
            "[0, 800] with y = 0", "[-1000, -1000, -1000]", "float32 logits near 88", "float32 logits near -104"} == names
    assert {p.x.dtype for p in battery("float32")} == {np.dtype(np.float32)}
    rows = battery("extreme")[1].x
    assert np.ptp(rows.max(axis=1)) > 750


def stable_forward(x, y):
    return np.mean(logsumexp(x, axis=1) - x[np.arange(len(y)), y])


def stable_backward(x, y, dout):
    g = softmax(x, axis=1)
    g[np.arange(len(y)), y] -= 1
    return g * dout / len(y), 0.0


def naive_forward(x, y):
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


def test_stable_code_passes_every_probe_and_float32_code_too():
    with np.errstate(all="ignore"):
        assert check_battery(stable_forward, stable_backward).passed
        f32 = lambda x, y: np.float32(stable_forward(x.astype(np.float32), y))  # noqa: E731
        b32 = lambda x, y, d: (stable_backward(x.astype(np.float32), y, d)[0].astype(np.float32), 0.0)  # noqa: E731
        assert check_battery(f32, b32).passed


def test_naive_code_fails_with_a_pinned_message():
    with np.errstate(all="ignore"):
        result = check_probe(naive_forward, None, battery("large")[0])
    assert result.message == (
        'On the stability probe "logits of 1e4" (x = [[10000, 0, -10000]; [10000, 0, -10000]; [10000, 0, -10000]; '
        "[10000, 0, -10000]] (float64), y = [0, 1, 2, 1]):\n"
        "the loss is not equal to the exact value within rtol=1e-10, atol=1e-10\n"
        "got nan, expected 10000.\n"
        "Why it matters: exp(1e4) overflows: shift each row by its max before exponentiating."
    )
    assert result.details["probe"] == "logits of 1e4" and result.details["stage"] == "forward"


def test_true_values_near_zero_need_the_absolute_floor():
    # [100, 0, 50] in float32: the exact loss is 1.9e-22, a correct float32 code returns 0.
    probe = battery("float32")[0]
    f32 = lambda x, y: np.float32(stable_forward(x.astype(np.float32), y))  # noqa: E731
    assert check_probe(f32, None, probe).passed
