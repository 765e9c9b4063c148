"""Softmax and -log softmax of each row of x: at 50 digits for the hard probes, in float64 for ordinary inputs.

Every answer a grader compares with is built from a `Table`. `exact_table` evaluates in Python's
`decimal` at 50 significant digits, from the exact binary value of each logit, and rounds once to
float64; it handles -inf logits (probability 0) and logits of any finite size. `float_table` is the
stable float64 formula, accurate to a few units in the last place on ordinary (finite, moderate)
logits and about a hundred times cheaper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext

import numpy as np

DIGITS = 50


@dataclass(frozen=True)
class Table:
    """Row-wise `neglogp[i, c] = logsumexp(x_i) - x_ic` (inf where x_ic = -inf) and `probs = softmax(x_i)`."""

    neglogp: np.ndarray
    probs: np.ndarray


def exact_table(x: np.ndarray) -> Table:
    """The table of `x` (N, C) at 50 digits; a row holding nan or +inf gives nan throughout."""
    x = np.asarray(x, dtype=np.float64)
    key = (x.shape, x.tobytes())
    if key not in _EXACT:
        if len(_EXACT) >= 16:
            _EXACT.pop(next(iter(_EXACT)))
        _EXACT[key] = _exact_table(x)
    table = _EXACT[key]
    return Table(table.neglogp.copy(), table.probs.copy())


_EXACT: dict[tuple, Table] = {}  # a probe's table is asked for by its forward and its backward check


def _exact_table(x: np.ndarray) -> Table:
    neglogp, probs = [], []
    with localcontext() as context:
        context.prec = DIGITS
        context.Emin, context.Emax = -(10**9), 10**9
        for row in x.tolist():
            if any(math.isnan(v) or v == math.inf for v in row) or all(v == -math.inf for v in row):
                neglogp.append([math.nan] * len(row))
                probs.append([math.nan] * len(row))
                continue
            values = [Decimal(v) if v != -math.inf else None for v in row]
            top = max(v for v in values if v is not None)
            powers = [_exp(v - top) if v is not None else _ZERO for v in values]
            total = sum(powers)
            lse = top + total.ln()
            neglogp.append([float(lse - v) if v is not None else math.inf for v in values])
            probs.append([float(power / total) for power in powers])
    return Table(np.array(neglogp, dtype=np.float64).reshape(x.shape),
                 np.array(probs, dtype=np.float64).reshape(x.shape))


_ZERO = Decimal(0)
_NEGLIGIBLE = Decimal(-(10**6))


def _exp(power: Decimal) -> Decimal:
    """exp of a non-positive power; below -1e6 it is 0 to far more digits than any float (decimal would trap)."""
    return _ZERO if power < _NEGLIGIBLE else power.exp()


def float_table(x: np.ndarray) -> Table:
    """The table of finite, moderate logits `x` in float64 (stable: shifted by each row's max)."""
    x = np.asarray(x, dtype=np.float64)
    shifted = x - x.max(axis=1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    logp = shifted - lse
    return Table(-logp, np.exp(logp))
