"""The catalogue of CELoss misconceptions: each bug id's explanation and fix, as the student reads them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    """One misconception: what the student believed, and what to do instead."""

    id: str
    misconception: str
    fix: str

    def explanation(self) -> str:
        return f"Likely misconception (bug:{self.id}): {self.misconception}\nHow to fix it: {self.fix}"


_BUGS = (
    Bug("not-implemented", "CELoss still raises NotImplementedError: the stub has not been filled in yet.",
        "replace each `raise NotImplementedError` with your implementation of forward and backward."),
    Bug("placeholder-output", "forward or backward returns a constant placeholder (0, or an array of zeros) "
        "instead of computing anything; a zero gradient trivially agrees with itself, so it earns nothing.",
        "compute the real loss and gradient; remove the placeholder return."),
    Bug("not-scalar", "forward returns an array (for example the per-sample losses, or an array of shape (1,)) "
        "instead of a single number.",
        "return the mean over the batch as a scalar, e.g. `losses.mean()`; np.ndim(loss) must be 0."),
    Bug("sum-not-mean", "the per-sample losses are added up but not divided by N, so the loss is N times too large.",
        "divide the sum by N = x.shape[0], or use np.mean."),
    Bug("mean-over-classes", "the loss is averaged over all N*C entries of the matrix, so it is C times too small.",
        "add up only the target entries, one per row, and divide by N."),
    Bug("missing-minus", "the loss is the mean log-probability of the targets without its minus sign, so it is "
        "negative.", "the loss of one sample is -log p_y = logsumexp(x_i) - x_{i,y_i} >= 0."),
    Bug("no-max-shift", "the softmax is computed as exp(x) / sum(exp(x)) without subtracting a max first: exp "
        "overflows to inf for logits above ~709 (~88 in float32) and underflows to 0 below ~-745, giving inf or nan.",
        "subtract each row's max m = x.max(axis=1, keepdims=True) before exp; softmax is unchanged by the shift, "
        "and logsumexp(x) = m + log(sum(exp(x - m)))."),
    Bug("global-max-shift", "the logits are shifted by the max of the whole batch (x.max()) instead of each row's "
        "own max, so a row far below the batch max underflows to exp(...) = 0 and gives log(0) or 0/0.",
        "shift each row by its own max: x - x.max(axis=1, keepdims=True)."),
    Bug("log-of-softmax", "the loss takes log(softmax(x)[y]); when the target's probability underflows to 0 (for "
        "x = [0, 800], y = 0) that is -log(0) = inf, though the exact loss is 800.",
        "compute log-probabilities directly: logp = x - m - log(sum(exp(x - m))) with m the row max, then "
        "loss = -logp[np.arange(N), y].mean(); never take the log of a probability."),
    Bug("mask-times-log", "the log-probabilities are multiplied by a one-hot mask; at a logit of -inf the "
        "log-probability is -inf and 0 * -inf is nan.",
        "pick the target entries by indexing, logp[np.arange(N), y], instead of multiplying by a mask."),
    Bug("wrong-axis", "the softmax (or its max or sum) runs over axis 0, across the batch, instead of axis 1, "
        "across the classes of each sample.",
        "reduce over axis=1 with keepdims=True, so each row is normalised over its own C classes."),
    Bug("index-broadcast", "the targets are picked with x[:, y], which is an N x N matrix (every row at every "
        "label), not the N entries x[i, y_i]; the mean then mixes samples with other samples' labels.",
        "pick one entry per row: x[np.arange(N), y]."),
    Bug("label-offset", "the labels are shifted by one (y - 1 or y + 1); numpy silently wraps the index -1, so no "
        "error is raised.", "the labels are already 0-based class indices in [0, C): index with y itself."),
    Bug("classes-from-labels", "the number of classes is taken from the labels (len(set(y)) or y.max() + 1), so a "
        "batch that does not contain every class breaks the code.", "use C = x.shape[1]."),
    Bug("grad-not-averaged", "dx is missing the 1/N of the mean, so it is N times too large.",
        "dx = (softmax(x) - onehot(y)) * dout / N."),
    Bug("grad-ignores-dout", "backward ignores dout, but it must return dout * d(loss)/dx (the chain rule).",
        "multiply dx by dout; dout may be a Python float or a 0-d array."),
    Bug("grad-sign", "dx has the wrong sign: onehot - softmax instead of softmax - onehot.",
        "dx = (softmax(x) - onehot(y)) * dout / N; the loss falls when the target's logit rises."),
    Bug("grad-transposed", "dx comes back transposed, with shape (C, N) instead of the shape of x, (N, C).",
        "return dx with x's shape: dx[i, c] = (p_ic - [c == y_i]) * dout / N; drop the transpose."),
    Bug("grad-missing-onehot", "dx is softmax(x) scaled: the one-hot of the labels is never subtracted, so each "
        "row sums to dout/N instead of 0.",
        "subtract 1 at each target on a copy: dx = p.copy(); dx[np.arange(N), y] -= 1; dx *= dout / N."),
    Bug("dy-not-zero", "backward returns a nonzero gradient for the labels.",
        "the labels are integers and get no gradient: return (dx, 0.0)."),
    Bug("mutates-input", "the code changes its input array in place (for example x -= x.max(...)), which "
        "corrupts the caller's logits; the grader passes read-only arrays, so the write failed.",
        "make a new array instead: x = x - x.max(axis=1, keepdims=True), or work on x.copy()."),
)

BUGS: dict[str, Bug] = {bug.id: bug for bug in _BUGS}


def explain(bug_id: str) -> str:
    """The student-facing explanation of a bug id (unknown ids get a bare tag line)."""
    bug = BUGS.get(bug_id)
    return bug.explanation() if bug else f"Likely misconception (bug:{bug_id})."
