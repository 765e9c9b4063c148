"""Known wrong CELoss variants, built from the reference's own outputs, for diagnosis to compare against."""

from __future__ import annotations

import numpy as np


def logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    """Stable log(sum(exp(x))) along `axis` (the variants see finite, ordinary logits only)."""
    top = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(x - top), axis=axis))


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


def _onehot(y: np.ndarray, c: int) -> np.ndarray:
    out = np.zeros((len(y), c))
    out[np.arange(len(y)), y] = 1.0
    return out


def forward_variants(reference, x: np.ndarray, y: np.ndarray):
    """(bug id, the loss that bug would give) for each single misconception about the forward pass."""
    n, c = x.shape
    right = float(reference.forward(x, y))
    picked = x[np.arange(n), y]
    yield "sum-not-mean", n * right
    yield "mean-over-classes", right / c
    yield "missing-minus", -right
    yield "label-offset", float(reference.forward(x, (y - 1) % c))
    yield "label-offset", float(reference.forward(x, (y + 1) % c))
    # x[:, y] is (N, N), not (N,): every sample's logsumexp paired with every target column.
    yield "index-broadcast", float(np.mean(logsumexp(x, axis=1)[:, None] - x[:, y]))
    # Normalised down the columns: each sample's "softmax" runs over the batch.
    yield "wrong-axis", float(np.mean(logsumexp(x, axis=0)[y] - picked))
    # Row softmax shifted by the column maxima: the shift differs between classes, so it is not cancelled.
    shifted = x - x.max(axis=0, keepdims=True)
    yield "wrong-axis", float(np.mean(logsumexp(shifted, axis=1) - shifted[np.arange(n), y]))


def backward_variants(reference, x: np.ndarray, y: np.ndarray):
    """("correct", dx) first, then (bug id, the dx that bug would give) at dout = 1."""
    n, c = x.shape
    right = np.asarray(reference.backward(x, y, 1.0)[0], dtype=np.float64)
    onehot = _onehot(y, c)
    probs = right * n + onehot
    yield "correct", right
    yield "grad-not-averaged", n * right
    yield "grad-sign", -right
    yield "grad-sign", -n * right
    yield "grad-missing-onehot", probs / n
    yield "grad-missing-onehot", probs
    yield "label-offset", np.asarray(reference.backward(x, (y - 1) % c, 1.0)[0], dtype=np.float64)
    yield "label-offset", np.asarray(reference.backward(x, (y + 1) % c, 1.0)[0], dtype=np.float64)
    yield "wrong-axis", (softmax(x, axis=0) - onehot) / n
