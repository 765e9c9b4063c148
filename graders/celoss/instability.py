"""Tell the stability bugs apart: one small probe per bug, drawn from the rng, each beside a benign twin.

A probe breaks a submission when its answer there is grossly wrong (inf, nan, or off by more than
1e-3) although its answer on the benign twin is cross-entropy or a catalogued misreading of it; the
exact answer is what that same reading gives there (`exact.py`). Every bug whose probe breaks is named,
with the probe and a "Why it matters" line for that bug.
"""

from __future__ import annotations

import numpy as np

from autograder.checks.compare import fmt, shape_of
from autograder.checks.diagnosis import Finding
from autograder.errors import StudentError, StudentRaised
from . import variants
from .catalogue import CATALOGUE
from .exact import exact_table


def _call(fn, *args):
    """(value, None) or (None, the StudentError)."""
    try:
        return fn(*args), None
    except StudentError as error:
        return None, error


# Why each stability bug breaks its probe: the line that follows the probe in the feedback.
WHY = {
    "no-max-shift": "every logit in this row is below {under}, so without a shift each exp underflows to 0 and the "
                    "softmax is 0/0 = nan (logits above {over} overflow to inf in the same way).",
    "global-max-shift": "the second row lies far below the batch's largest logit, so after subtracting the batch's "
                        "max every exp in it underflows to 0; each row needs its own max.",
    "log-of-softmax": "the target's probability is below the smallest {dtype} number and rounds to 0, so "
                      "log(probability) is -inf; x_y - logsumexp(x) stays finite.",
    "mask-times-log": "the log-probability at a -inf logit is -inf and 0 * -inf is nan; with {finite:g} in place of "
                      "-inf the same code gives the right answer, so the mask is the cause.",
}
_LIMITS = {np.float32: dict(over="88.72", under="-103.97", dtype="float32"),
           np.float64: dict(over="709.78", under="-745.1", dtype="float64")}


def _stability_probes(rng, dtype, backward: bool):
    """(bug, hard x, benign twin x, labels, confirmation x or None): one small batch per stability bug."""
    limit, floor = (88.72, 103.97) if dtype == np.float32 else (709.78, 745.2)
    c = int(rng.integers(3, 6))
    row = 2.5 * rng.standard_normal(c)
    target = int(rng.integers(0, c))
    y1 = np.array([target])
    low = row - float(rng.uniform(1.5, 3.0)) * floor  # every exp underflows without a shift
    yield "no-max-shift", low[None], row[None], y1, None
    other = 2.5 * rng.standard_normal(c)
    apart = np.stack([row, other - float(rng.uniform(1.1, 2.0)) * floor])
    labels = np.array([target, int(rng.integers(0, c))])
    yield "global-max-shift", apart, np.stack([row, other]), labels, None
    if backward:
        return
    sunk = row.copy()
    sunk[target] = row.max() - float(rng.uniform(1.1, 2.0)) * floor
    moderate = row.copy()
    moderate[target] = row.max() - 8.0
    yield "log-of-softmax", sunk[None], moderate[None], y1, None
    masked, benign, confirm = row.copy(), row.copy(), row.copy()
    column = (target + int(rng.integers(1, c))) % c
    masked[column], benign[column], confirm[column] = -np.inf, row.min() - 30.0, -1e30 if dtype == np.float32 else -1e300
    yield "mask-times-log", masked[None], benign[None], y1, confirm[None]


def stability_bugs(student, rng, *, backward: bool = False, dtype=np.float64) -> list[Finding] | str | None:
    """Every stability bug whose probe breaks code that handles the probe's benign twin, with that probe as evidence.

    The student's answer on the benign twin fixes its reading (cross-entropy or a misreading of it),
    so a value bug such as label-offset never poses as instability. A batch-wide max shift breaks
    only the two-row probe; code that never shifts breaks the one-row probe too, and is named for that.
    """
    found: list[Finding] = []
    for bug, hard, benign, labels, confirm in _stability_probes(rng, dtype, backward):
        hard, benign = hard.astype(dtype), benign.astype(dtype)
        verdict = _breaks(student, hard, benign, labels, backward)
        if isinstance(verdict, str):
            return verdict  # an error that names its own bug (a read-only write)
        if verdict is None:
            continue
        got, want = verdict
        if bug == "global-max-shift" and any(f.bug == "no-max-shift" for f in found):
            continue
        if bug == "mask-times-log":
            if shape_of(got) != np.shape(want) or not (isinstance(got, (float, np.floating, np.ndarray)) and np.isnan(got).any()):
                continue
            if _breaks(student, confirm.astype(dtype), benign, labels, backward) is not None:
                continue  # wrong at a huge finite logit too: the -inf is not what breaks it
        why = WHY[bug].format(finite=float(confirm.min()) if confirm is not None else 0.0, **_LIMITS[dtype])
        found.append(Finding(bug, f"The probe that exposes it: x = {_rows(hard)} ({hard.dtype}), y = {labels.tolist()}: "
                                  f"got {_value(got)}, exact {_value(want)}.\nWhy it matters: {why}"))
    return found or None


def _rows(x: np.ndarray) -> str:
    return "[" + "; ".join("[" + ", ".join(f"{float(v):.4g}" for v in row) + "]" for row in x) + "]"


def _value(value) -> str:
    if value is None:
        return "an error"
    if isinstance(value, (float, int, np.generic)) or isinstance(value, np.ndarray) and value.ndim == 0:
        return fmt(value)
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
        return "a value of another type"
    return "an array with nan or inf" if not np.isfinite(value).all() else "a different array"


def _breaks(student, hard, benign, labels, backward):
    """None when the student treats `hard` as its reading on `benign` predicts, else (got, want); a str names a bug."""
    twin, error = _output(student, benign, labels, backward)
    if error is not None:
        return _error_bug(error)
    if backward:
        found = variants.backward_reading(twin, benign, labels, rtol=1e-5)
        if found is None:
            return None
        want = variants.backward_form(found[1], found[0] == "grad-transposed", hard, labels, exact_table)
    else:
        index = variants.forward_form(twin, benign, labels, rtol=1e-5)
        if index is None:
            return None
        want = variants.forward_at(index, twin, hard, labels, exact_table)
    got, error = _output(student, hard, labels, backward)
    if error is not None:
        return _error_bug(error) or (None, want)
    return None if _close_exact(got, want, hard) else (got, want)


def _close_exact(got, want, x) -> bool:
    """Right or nearly: a stability bug gives inf, nan or a grossly wrong value, never a rounding error."""
    return variants.close(got, want, 1e-3)


def _error_bug(error):
    read_only = isinstance(error, StudentRaised) and "read-only" in error.message
    return CATALOGUE.bug_for_error(error) or ("mutates-input" if read_only else None)


def _output(student, x, y, backward):
    if not backward:
        return _call(student.forward, x, y)
    out, error = _call(student.backward, x, y, 1.0)
    if error is None and isinstance(out, (tuple, list)) and out:
        out = out[0]
    return out, error
