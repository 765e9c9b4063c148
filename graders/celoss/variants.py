"""Cross-entropy and its catalogued misreadings, computed from a `Table`, and which one a student's answer is.

A "reading" is what a student's code computes on ordinary logits: "correct" (cross-entropy) or the
bug id of a catalogued misconception. The checks that compare a submission only with itself pay
when its forward has a reading, and the stability checks compare a submission on hard logits with
what its own reading gives there, so a value bug is counted once, in the part that teaches it.
"""

from __future__ import annotations

import math
from itertools import islice
from typing import Callable, Iterator

import numpy as np

from autograder.checks.compare import shape_of

from .exact import Table, float_table

# How close an answer must be to a reading to be classified as it (a classification, not a score).
READING_RTOL = 1e-6


def _onehot(y: np.ndarray, c: int) -> np.ndarray:
    out = np.zeros((len(y), c))
    out[np.arange(len(y)), y] = 1.0
    return out


def forward_variants(x: np.ndarray, y: np.ndarray, table: Callable[[np.ndarray], Table] = float_table
                     ) -> Iterator[tuple[str, float | np.ndarray]]:
    """("correct", the mean loss) first, then (bug id, the loss that bug would give); "not-scalar" is a vector."""
    n, c = x.shape
    rows = np.arange(n)
    t = table(x)
    picked = t.neglogp[rows, y]
    yield "correct", float(np.mean(picked))
    yield "not-scalar", picked
    yield "sum-not-mean", float(np.sum(picked))
    yield "mean-over-classes", float(np.mean(picked)) / c
    yield "missing-minus", -float(np.mean(picked))
    yield "label-offset", float(np.mean(t.neglogp[rows, (y - 1) % c]))
    yield "label-offset", float(np.mean(t.neglogp[rows, (y + 1) % c]))
    # x[:, y] is (N, N), not (N,): every sample's logsumexp paired with every target column.
    yield "index-broadcast", float(np.mean(t.neglogp[:, y]))
    # Normalised down the columns: each sample's "softmax" runs over the batch.
    yield "wrong-axis", float(np.mean(table(x.T).neglogp.T[rows, y]))
    # Row softmax shifted by the column maxima: the shift differs between classes, so it is not cancelled.
    with np.errstate(invalid="ignore"):
        shifted = x.astype(np.float64) - x.astype(np.float64).max(axis=0, keepdims=True)
    yield "wrong-axis", float(np.mean(table(shifted).neglogp[rows, y]))


def backward_variants(x: np.ndarray, y: np.ndarray, table: Callable[[np.ndarray], Table] = float_table
                      ) -> Iterator[tuple[str, np.ndarray]]:
    """("correct", dx) first, then (bug id, the dx that bug would give) at dout = 1."""
    n, c = x.shape
    probs = table(x).probs
    onehot = _onehot(y, c)
    right = (probs - onehot) / n
    yield "correct", right
    yield "grad-not-averaged", n * right
    yield "grad-sign", -right
    yield "grad-sign", -n * right
    yield "grad-missing-onehot", probs / n
    yield "grad-missing-onehot", probs
    yield "label-offset", (probs - _onehot((y - 1) % c, c)) / n
    yield "label-offset", (probs - _onehot((y + 1) % c, c)) / n
    yield "wrong-axis", (table(x.T).probs.T - onehot) / n


FORWARD_NAMES = ("correct", "not-scalar", "sum-not-mean", "mean-over-classes", "missing-minus", "label-offset",
                 "label-offset", "index-broadcast", "wrong-axis", "wrong-axis")
PER_SAMPLE = FORWARD_NAMES.index("not-scalar")


def close(got, want, rtol: float = READING_RTOL) -> bool:
    """`got` (from the student) equals `want` within rtol; shapes are compared before anything is converted."""
    if type(want) is float and type(got) in (float, np.float64, np.float32):
        return _close_scalars(float(got), want, rtol)
    want = np.asarray(want, dtype=np.float64)
    if isinstance(got, bool) or shape_of(got) != want.shape:
        return False
    got = np.asarray(got)
    if got.dtype.kind not in "iuf":
        return False
    got = got.astype(np.float64)
    special = ~np.isfinite(want)
    if np.any(special & ~((got == want) | (np.isnan(got) & np.isnan(want)))):
        return False
    finite = ~special
    scale = float(np.abs(want[finite]).max(initial=0.0))
    return bool(np.allclose(got[finite], want[finite], rtol=rtol, atol=rtol * max(scale, 1e-12)))


def correct_losses(points: list[np.ndarray], y: np.ndarray) -> np.ndarray:
    """The cross-entropy at each of `points` (logits of one shape (N, C)) with labels `y`, in one vectorised pass
    of `float_table`'s formula; equal to the first value of `forward_variants(point, y)` to a few ulps."""
    x = np.asarray(points, dtype=np.float64)
    shifted = x - x.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return (lse - shifted)[:, np.arange(len(y)), y].mean(axis=1)


def clearly_correct(got, want: float) -> bool:
    """`got` is a real number within half the distance `close` allows from the cross-entropy `want` (from
    `correct_losses`): `forward_reading` reads it as "correct" whatever the last bits of `want`, so its
    classification can be skipped."""
    return type(got) in (float, np.float64, np.float32) and math.isfinite(want) and \
        _close_scalars(float(got), want, READING_RTOL / 2)


def _close_scalars(got: float, want: float, rtol: float) -> bool:
    """`close` for two real numbers: what np.allclose gives with atol = rtol * max(|want|, 1e-12)."""
    if not math.isfinite(want):
        return got == want or (math.isnan(got) and math.isnan(want))
    return abs(got - want) <= rtol * max(abs(want), 1e-12) + rtol * abs(want)


def _as_losses(got, n: int):
    """A non-scalar loss as per-sample losses (N,) or as one value (shape (1,) etc.), without widening big replies."""
    if not isinstance(got, np.ndarray) or got.size not in (1, n) or got.ndim > 2:
        return None
    return got.reshape(-1) if got.size == n else got.reshape(())


def forward_reading(got, x: np.ndarray, y: np.ndarray, table: Callable[[np.ndarray], Table] = float_table
                    ) -> str | None:
    """Which reading the loss `got` is on (x, y): "correct", a catalogued bug id, or None (neither)."""
    index = forward_form(got, x, y, table)
    if index is None:
        return None
    return "not-scalar" if shape_of(got) != () else FORWARD_NAMES[index]


def backward_reading(dx, x: np.ndarray, y: np.ndarray, table: Callable[[np.ndarray], Table] = float_table,
                     rtol: float = READING_RTOL) -> tuple[str, int] | None:
    """(reading, which form of it) that dx is on (x, y), "grad-transposed" for the correct dx transposed, or None."""
    if not isinstance(dx, np.ndarray):
        return None
    correct = None
    for index, (bug, value) in enumerate(backward_variants(x, y, table)):  # each form made only if still needed
        if correct is None:
            correct = value  # the first form, cross-entropy's own dx
        if close(dx, value, rtol):
            return bug, index
    if dx.shape == x.shape[::-1] != x.shape and close(dx.T, correct, rtol):
        return "grad-transposed", 0
    return None


def backward_form(index: int, transposed: bool, x: np.ndarray, y: np.ndarray, table: Callable[[np.ndarray], Table]):
    """The dx of the reading found by `backward_reading`, on (x, y)."""
    value = next(islice(backward_variants(x, y, table), index, None))[1]
    return value.T if transposed else value


def forward_form(got, x: np.ndarray, y: np.ndarray, table: Callable[[np.ndarray], Table] = float_table,
                 rtol: float = READING_RTOL) -> int | None:
    """The index of the first variant of `forward_variants` that `got` matches (the vector form included)."""
    n = x.shape[0]
    if shape_of(got) is None or isinstance(got, bool):
        return None
    if shape_of(got) == ():
        matches = (i for i, (_, v) in enumerate(forward_variants(x, y, table)) if np.ndim(v) == 0 and close(got, v, rtol))
        return next(matches, None)
    got = _as_losses(got, n)
    if got is None:
        return None
    values = [v for _, v in islice(forward_variants(x, y, table), PER_SAMPLE + 1)]
    if got.ndim == 0:
        return 0 if close(got, values[0], rtol) else None
    return PER_SAMPLE if close(got, values[PER_SAMPLE], rtol) else None


def forward_at(index: int, like, x: np.ndarray, y: np.ndarray, table: Callable[[np.ndarray], Table]):
    """The loss of the variant `index` (from `forward_form`) on (x, y), shaped like the student's answer."""
    value = next(islice(forward_variants(x, y, table), index, None))[1]
    return np.asarray(value).reshape(shape_of(like)) if shape_of(like) else value
