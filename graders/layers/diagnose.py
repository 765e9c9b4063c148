"""Name the misconception behind a failed layers check by running probes through the student's code.

Runs only after a check has failed. A bug is recognised by behaviour: the student's outputs on fresh
probe inputs are compared with known wrong variants built from the same inputs, never by reading
source text. Each probe is one extra sandboxed call; a `StudentError` in a probe is evidence.
"""

from __future__ import annotations

import numpy as np

from autograder.checks.result import CheckResult
from autograder.errors import StudentError, error_kind

from .catalogue import CATALOGUE
from .inputs import linear_inputs, relu_input, sizes

STAGES = ("linear_forward", "linear_backward", "relu_forward", "relu_backward")


def find_bug(failure: CheckResult, student, rng: np.random.Generator, *, stage: str) -> str | None:
    """The bug id that explains `failure` of a check at `stage`, or None. `student` is the sandboxed module."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    if failure.bug:
        return failure.bug
    error = failure.details.get("error")
    if error is not None:
        return error_bug(error, student, rng, stage=stage)
    return {"linear_forward": linear_forward_bug, "linear_backward": linear_backward_bug,
            "relu_forward": relu_forward_bug, "relu_backward": relu_backward_bug}[stage](student, rng)


def error_bug(error: StudentError, student, rng, *, stage: str) -> str | None:
    """A raised error: a stub, a write into a read-only input, or dout @ W failing when D != M."""
    if bug := CATALOGUE.bug_for_error(error):
        return bug
    layer = "relu" if stage.startswith("relu") else "linear"
    if error_kind(error) in ("read_only_write", "mutated_input"):
        return f"{layer}-mutates-input"
    if stage == "linear_backward" and dx_is_dout_times_w(student, rng):
        return "linear-dx-wrong-weight"
    return None


def dx_is_dout_times_w(student, rng) -> bool:
    """dout @ W only runs when D == M: on such a probe, is dx exactly that?"""
    n, d, m = sizes(rng, square=True)
    x, w, b, dout = linear_inputs(rng, n, d, m)
    got, error = _call(student.Linear.backward, x, w, b, dout)
    dx = _adjoint(got, 0, x.shape) if error is None else None
    return dx is not None and _close(dx, dout @ w)


def _call(fn, *args):
    """(value, None) or (None, the StudentError)."""
    try:
        return fn(*args), None
    except StudentError as error:
        return None, error


def _close(a, b, rtol: float = 1e-6) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or not np.isfinite(a).all():
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=rtol * max(float(np.abs(b).max(initial=0.0)), 1e-12)))


def _adjoint(value, k: int, shape=None):
    """Adjoint k of a returned tuple as an array (any shape unless `shape`), or None."""
    if isinstance(value, np.ndarray) and k == 0:
        item = value
    elif isinstance(value, (tuple, list)) and len(value) > k and isinstance(value[k], np.ndarray):
        item = value[k]
    else:
        return None
    return item if shape is None or item.shape == tuple(shape) else None


def _zeros(value) -> bool:
    arrays = [v for v in (value if isinstance(value, (tuple, list)) else (value,)) if isinstance(v, np.ndarray)]
    return bool(arrays) and all(a.size and not np.any(a) for a in arrays)


def linear_forward_bug(student, rng) -> str | None:
    n, d, m = sizes(rng)
    x, w, b, _ = linear_inputs(rng, n, d, m)
    out, error = _call(student.Linear.forward, x, w, b)
    if error is not None:
        return error_bug(error, student, rng, stage="linear_forward")
    if _zeros(out):
        return "placeholder-output"
    if _close(out, x @ w):
        return "linear-no-bias"
    if _close(out, x @ w + b):  # right in float64: the failure was about float32
        out32, error = _call(student.Linear.forward, *(a.astype(np.float32) for a in (x, w, b)))
        if error is None and isinstance(out32, np.ndarray) and out32.dtype == np.float64:
            return "float32-upcast"
    return None


def linear_backward_bug(student, rng) -> str | None:
    """Compare each adjoint on a fresh probe with the known wrong forms, dx first."""
    n, d, m = sizes(rng)
    x, w, b, dout = linear_inputs(rng, n, d, m)
    got, error = _call(student.Linear.backward, x, w, b, dout)
    if error is not None:
        return error_bug(error, student, rng, stage="linear_backward")
    if _zeros(got):
        return "placeholder-output"
    dw = _adjoint(got, 1)
    db = _adjoint(got, 2)
    if dw is not None:
        if dw.shape == (m, d) and _close(dw.T, x.T @ dout):
            return "linear-dw-transposed"
        if _close(dw, x.T @ dout / n):
            return "linear-grad-averaged"
    if db is not None:
        right = dout.sum(axis=0)
        if db.shape == (1, m) and _close(db[0], right):
            return "linear-db-keepdims"
        if db.shape == (m,) and _close(db, right / n):
            return "linear-grad-averaged"
        if any(_close(db, wrong) for wrong in (dout, dout[0], dout.sum(axis=1), dout.mean(axis=1))):
            return "linear-db-not-summed"
    dx = _adjoint(got, 0)
    if dx is not None and not _close(dx, dout @ w.T) and dx_is_dout_times_w(student, rng):
        return "linear-dx-wrong-weight"
    return linear_forward_bug(student, rng)  # backward looks right: the forward it was checked against is not


def relu_forward_bug(student, rng) -> str | None:
    x = relu_input(rng, (7, 5))
    out, error = _call(student.ReLU.forward, x)
    if error is not None:
        return error_bug(error, student, rng, stage="relu_forward")
    if _zeros(out):
        return "placeholder-output"
    if _close(out, np.maximum(x, 0)):
        out32, error = _call(student.ReLU.forward, x.astype(np.float32))
        if error is None and isinstance(out32, np.ndarray) and out32.dtype == np.float64:
            return "float32-upcast"
    return None


def relu_backward_bug(student, rng) -> str | None:
    """dx on an input with exact zeros and a dout of both signs, against the three wrong masks."""
    x = relu_input(rng, (8, 6), zeros=0.3)
    dout = rng.standard_normal(x.shape)
    got, error = _call(student.ReLU.backward, x, dout)
    if error is not None:
        return error_bug(error, student, rng, stage="relu_backward")
    dx = _adjoint(got, 0, x.shape)
    if dx is None:
        return None
    if _zeros(dx):
        return "placeholder-output"
    if _close(dx, dout * (x > 0)):
        return relu_forward_bug(student, rng)  # backward is right: the forward it was checked against is not
    variants = (("relu-grad-at-zero", dout * (x >= 0)), ("relu-grad-from-dout", dout * (dout > 0)),
                ("relu-grad-from-dout", dout * ((dout > 0) & (x > 0))), ("relu-grad-ignores-dout", 1.0 * (x > 0)),
                ("relu-grad-ignores-dout", 1.0 * (x >= 0)), ("relu-arguments-swapped", x * (dout > 0)))
    return next((bug for bug, wrong in variants if _close(dx, wrong)), None)
