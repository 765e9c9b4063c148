"""Softmax and -log softmax of each row of x: to the last bit for the hard probes, in float64 for ordinary inputs.

Every answer a grader compares with is built from a `Table`. `exact_table` works from the exact
binary value of each logit: each gap `max - x_c` is carried exactly, as the unevaluated sum of two
long doubles, and exp, log1p and the row sums run in long double (a 64-bit significand on x86-64,
so 11 bits to spare), before one rounding to float64. The result is within one unit in the last
place of the true value, for -inf logits (probability 0) and logits of any finite size; the tests
check this against mpmath at 2,400 bits. `float_table` is the stable float64 formula, accurate to a
few units in the last place on ordinary (finite, moderate) logits, and a little cheaper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WIDE = np.longdouble
if np.finfo(WIDE).nmant < 63:  # where long double is plain float64 (macOS on arm, Windows) gaps and sums lose bits
    raise ImportError(f"the exact tables need a long double of at least 64 significant bits; this platform's has "
                      f"{np.finfo(WIDE).nmant + 1}")


@dataclass(frozen=True)
class Table:
    """Row-wise `neglogp[i, c] = logsumexp(x_i) - x_ic` (inf where x_ic = -inf) and `probs = softmax(x_i)`."""

    neglogp: np.ndarray
    probs: np.ndarray


def exact_table(x: np.ndarray) -> Table:
    """The table of `x` (N, C) to within one ulp; a row holding nan or +inf, or only -inf, gives nan throughout."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return Table(np.full(x.shape, np.nan), np.full(x.shape, np.nan))
    absent = x == -np.inf
    broken = (np.isnan(x) | (x == np.inf)).any(axis=1) | absent.all(axis=1)
    x = np.where(broken[:, None], 0.0, x)
    top = x.max(axis=1, keepdims=True)
    logits = np.where(absent, top, x).astype(WIDE)  # a -inf logit's power is set to 0 below
    top = top.astype(WIDE)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        gap, gap_error = _exact_difference(top, logits)
        # |gap_error| <= 2**-64 * gap, so exp(-gap_error) is 1 - gap_error wherever exp(-gap) is not 0
        powers = np.exp(-gap)
        powers -= powers * gap_error
        powers[absent] = 0
        others = powers.copy()
        others[np.arange(len(x)), x.argmax(axis=1)] = 0  # the first max contributes exactly 1
        rest = others.sum(axis=1, keepdims=True)
        neglogp = (gap + (gap_error + np.log1p(rest))).astype(np.float64)
        probs = (powers / (1 + rest)).astype(np.float64)
    neglogp[absent] = np.inf
    neglogp[broken], probs[broken] = np.nan, np.nan
    return Table(neglogp, probs)


def _exact_difference(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Knuth's TwoSum of a and -b: (rounded, error) with rounded + error == a - b exactly, barring overflow."""
    rounded = a - b
    b_virtual = rounded - a
    a_virtual = rounded - b_virtual
    return rounded, (a - a_virtual) - (b + b_virtual)


def float_table(x: np.ndarray) -> Table:
    """The table of finite, moderate logits `x` in float64 (stable: shifted by each row's max)."""
    x = np.asarray(x, dtype=np.float64)
    shifted = x - x.max(axis=1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    logp = shifted - lse
    return Table(-logp, np.exp(logp))
