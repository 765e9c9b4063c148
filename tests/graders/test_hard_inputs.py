"""hard_inputs and exact: probes drawn per seed, answers exact to the last bit, the check on stable, naive, wrong code."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from celoss import hard_inputs, instability
from celoss.exact import exact_table, float_table
from celoss.hard_inputs import FAMILIES, check_probe, draw


def test_exact_values_match_closed_forms_and_the_assignment_facts():
    table = exact_table(np.array([[0.0, -np.inf, 1.0], [1e4, 0.0, -1e4], [40.0, 0.0, 0.0], [-1000.0] * 3]))
    assert table.neglogp[0, 0] == 1.3132616875182228  # ASSIGNMENT.md: [0, -inf, 1], y = 0
    np.testing.assert_array_equal(table.probs[0], [0.2689414213699951, 0.0, 0.7310585786300049])
    assert table.neglogp[0, 1] == np.inf
    assert table.neglogp[1].tolist() == [0.0, 1e4, 2e4]
    assert table.neglogp[2, 0] == math.log1p(2 * math.exp(-40)) == pytest.approx(8.5e-18, rel=1e-2)
    assert table.neglogp[3].tolist() == [math.log(3)] * 3


def test_exact_and_float_tables_agree_on_ordinary_logits():
    x = 2.5 * np.random.default_rng(0).standard_normal((9, 6))
    exact, fast = exact_table(x), float_table(x)
    np.testing.assert_allclose(fast.neglogp, exact.neglogp, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(fast.probs, exact.probs, rtol=1e-13, atol=1e-300)


def test_exact_values_handle_rows_near_the_float64_limits():
    table = exact_table(np.array([[1e308, 1e308, -1e308]]))
    assert table.neglogp.tolist() == [[math.log(2), math.log(2), math.inf]]
    assert table.probs.tolist() == [[0.5, 0.5, 0.0]]
    single = exact_table(np.array([[5.0]]))
    assert single.neglogp.tolist() == [[0.0]] and single.probs.tolist() == [[1.0]]
    table = exact_table(np.array([[-np.inf, 3.0], [-np.inf, -np.inf], [np.nan, 0.0], [2.0 ** 60, 2.0 ** 60 - 256]]))
    assert table.neglogp[0].tolist() == [math.inf, 0.0] and table.probs[0].tolist() == [0.0, 1.0]
    assert np.isnan(table.neglogp[1:3]).all() and np.isnan(table.probs[1:3]).all()
    assert table.neglogp[3].tolist() == [math.log1p(math.exp(-256)), 256.0]


def _mpmath_table(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The table of finite or -inf logits, exact in mpmath at 2,400 bits (any float64 difference fits), rounded once."""
    neglogp, probs = np.full(x.shape, np.inf), np.zeros(x.shape)
    with mpmath.workprec(2400):
        for i, row in enumerate(x.tolist()):
            values = {c: mpmath.mpf(v) for c, v in enumerate(row) if v != -math.inf}
            top = max(values.values())
            powers = {c: mpmath.exp(v - top) for c, v in values.items()}
            total = mpmath.fsum(powers.values())
            for c, v in values.items():
                gap = top - v + mpmath.log(total)
                neglogp[i, c] = float(gap) if gap < mpmath.mpf(2) ** 1024 else math.inf
                probs[i, c] = float(powers[c] / total)
    return neglogp, probs


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    def ordered(values):
        bits = values.astype(np.float64).view(np.int64)
        return np.where(bits < 0, -(bits & 0x7FFFFFFFFFFFFFFF), bits).astype(object)
    return np.abs(ordered(got) - ordered(want))


def _wide_rows(rng: np.random.Generator, count: int) -> list[np.ndarray]:
    """Rows whose magnitudes and spreads reach float64's limits, some with -inf, and ties."""
    batches = []
    for _ in range(count):
        n, c = int(rng.integers(1, 6)), int(rng.integers(1, 8))
        x = rng.standard_normal((n, c)) * 10.0 ** rng.uniform(-5, 307, size=(n, 1))
        x += rng.standard_normal((n, 1)) * 10.0 ** rng.uniform(-3, 300, size=(n, 1))
        x[rng.random((n, c)) < 0.1] = -np.inf
        x[rng.random(n) < 0.2] = x[0, 0] if np.isfinite(x[0, 0]) else 1e300
        batches.append(x[np.isfinite(x).any(axis=1)])
    return [x for x in batches if len(x)]


def test_exact_values_are_within_one_ulp_of_mpmath():
    rng = np.random.default_rng(11)
    batches = [draw(family, np.random.default_rng(seed)).x for family in FAMILIES for seed in range(40)]
    for dtype in (np.float64, np.float32):
        batches += [hard.astype(dtype) for _, hard, *_ in instability._stability_probes(rng, dtype, backward=False)]
    batches += _wide_rows(rng, 60)
    for x in batches:
        x = np.asarray(x, dtype=np.float64)
        table = exact_table(x)
        neglogp, probs = _mpmath_table(x)
        assert _ulps(table.neglogp, neglogp).max() <= 1, x.tolist()
        assert _ulps(table.probs, probs).max() <= 1, x.tolist()


@pytest.mark.parametrize("family", FAMILIES)
def test_probes_are_drawn_per_seed_and_never_repeat(family):
    seen = set()
    for seed in range(30):
        probe = draw(family, np.random.default_rng(seed))
        n, c = probe.x.shape
        assert n != c and 3 <= c and 5 <= n
        assert not probe.x.flags.writeable and not probe.y.flags.writeable
        assert probe.x.dtype == (np.float32 if family == "float32" else np.float64) == probe.twin.dtype
        assert np.isfinite(probe.twin).all() and sum(1 for note in probe.rows if note) == 4
        # the answers differ up to any row shift and class permutation: compare sorted, row-max-shifted rows
        key = tuple(sorted(tuple(np.round(np.sort(r - r.max()), 3)) for r in probe.x.astype(np.float64)))
        assert key not in seen
        seen.add(key)


def test_each_family_makes_the_rows_it_promises():
    extreme = draw("extreme", np.random.default_rng(1))
    assert np.isneginf(extreme.x).sum() == 1
    finite_max = np.where(np.isfinite(extreme.x), extreme.x, -np.inf).max(axis=1)
    assert np.ptp(finite_max) > 745
    picked = extreme.x[np.arange(len(extreme.y)), extreme.y]
    assert (finite_max - picked).max() > 745  # a target whose probability underflows in float64
    large = draw("large", np.random.default_rng(1))
    assert np.abs(large.x).max() > 709.78
    small = draw("float32", np.random.default_rng(1))
    assert small.x.max() > 88.72 and small.x.min() < -103.97


def stable_forward(x, y):
    m = x.max(axis=1, keepdims=True)
    return np.mean(m[:, 0] + np.log(np.exp(x - m).sum(axis=1)) - x[np.arange(len(y)), y])


def stable_backward(x, y, dout):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p * dout / len(y), 0.0


def naive_forward(x, y):
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(y)), y]))


@pytest.mark.parametrize("family", FAMILIES)
def test_stable_code_passes_on_many_seeds_in_float64_and_float32(family):
    f32 = lambda x, y: np.float32(stable_forward(x.astype(np.float32), y))  # noqa: E731
    b32 = lambda x, y, d: (stable_backward(x.astype(np.float32), y, d)[0].astype(np.float32), 0.0)  # noqa: E731
    with np.errstate(all="ignore"):
        for seed in range(25):
            probe = draw(family, np.random.default_rng(seed))
            assert check_probe(stable_forward, stable_backward, probe).passed, seed
            if family == "float32":
                assert check_probe(f32, b32, probe).passed, seed


@pytest.mark.parametrize("family", FAMILIES)
def test_naive_code_fails_every_family(family):
    with np.errstate(all="ignore"):
        result = check_probe(naive_forward, None, draw(family, np.random.default_rng(0)))
    assert not result.passed and result.details["stage"] == "forward"
    assert result.message.startswith("On hard logits, ")


def test_a_scale_bug_is_held_to_its_own_reading_not_charged_again():
    summed = lambda x, y: len(y) * stable_forward(x, y)  # noqa: E731
    summed_naive = lambda x, y: len(y) * naive_forward(x, y)  # noqa: E731
    probe = draw("large", np.random.default_rng(4))
    assert check_probe(summed, None, probe).passed
    with np.errstate(all="ignore"):
        result = check_probe(summed_naive, None, probe)
    assert "the exact value of your own reading of the loss (sum-not-mean)" in result.message


def test_wrong_ordinary_values_earn_no_stability_points():
    probe = draw("extreme", np.random.default_rng(2))
    result = check_probe(lambda x, y: 0.0, None, probe)
    assert result.details["ordinary"] and result.message.endswith(
        "Stability points need the ordinary values right first: fix the forward and backward parts.")


def test_loss_tolerance_floor_grows_with_the_logits():
    assert hard_inputs.loss_tolerance(np.array([[1e4, 0.0, -1e4]])).atol_floor == 1e-10
    assert hard_inputs.loss_tolerance(np.array([[1e30, 0.0]])).atol_floor == pytest.approx(8 * 2.22e-16 * 1e30, rel=1e-2)
    assert hard_inputs.loss_tolerance(np.zeros((2, 3), np.float32)).rtol == 1e-5
