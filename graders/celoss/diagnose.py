"""Name the misconception behind a failed CELoss check by running probes through the student's code.

Runs only after a check has failed. A bug is recognised by behaviour: the student's outputs on
probe inputs are compared with the reference and with known wrong variants (`variants.py`), never
by reading source text. Each probe is one extra sandboxed call; a `StudentError` in a probe is
evidence, not a failure of the diagnosis. Every entry point takes the failed `CheckResult` and
returns it, with `with_diagnosis(bug, explanation)` applied when one bug explains what was seen.
"""

from __future__ import annotations

import numpy as np

from autograder.checks.result import CheckResult
from autograder.errors import StudentError, StudentRaised
from . import variants
from .catalogue import CATALOGUE

STAGES = ("forward", "backward", "gradcheck", "dout", "stability", "extensions")


def diagnose(failure: CheckResult, student, reference, rng: np.random.Generator, *, stage: str) -> CheckResult:
    """`student` and `reference` are CELoss-like (forward/backward); `stage` says which check failed."""
    bug = find_bug(failure, student, reference, rng, stage=stage)
    return failure.with_diagnosis(bug, CATALOGUE.explain(bug)) if bug else failure


def find_bug(failure: CheckResult, student, reference, rng: np.random.Generator, *, stage: str) -> str | None:
    """The bug id that explains `failure`, or None."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    return failure.bug or _find(failure, student, reference, rng, stage)


def _find(failure, student, reference, rng, stage) -> str | None:
    bug = _find_by_stage(failure, student, reference, rng, stage)
    if bug is None and stage != "extensions" and failure.details.get("error") is None:
        bug = label_coverage_bug(student, reference, rng, backward=stage != "forward")
    return bug


def _find_by_stage(failure, student, reference, rng, stage) -> str | None:
    error = failure.details.get("error")
    if stage == "extensions":  # no probes: the bonus part only names errors that explain themselves
        read_only = isinstance(error, StudentRaised) and "read-only" in error.message
        return "mutates-input" if read_only else None
    if error is not None:
        return from_error(error, student, reference, rng, backward=stage not in ("forward",))
    if stage == "forward":
        return forward_bug(student, reference, rng)
    if stage == "stability":
        return stability_bug(student, reference, backward=failure.details.get("stage") == "backward")
    if stage == "dout":
        if failure.details.get("ignores_dout"):
            return "grad-ignores-dout"
        return backward_bug(student, reference, rng, check_dout=True)
    bug = backward_bug(student, reference, rng, check_dout=False)
    if bug is None and stage == "gradcheck":
        bug = forward_bug(student, reference, rng)  # dx is right, so the forward it was checked against is not
    return bug


def label_coverage_bug(student, reference, rng, *, backward: bool) -> str | None:
    """Wrong (or raising) when a class is missing from y, right when every class is present."""
    call = (lambda x, y: student.backward(x, y, 1.0)) if backward else student.forward
    want = (lambda x, y: reference.backward(x, y, 1.0)[0]) if backward else reference.forward
    x, y = ordinary(rng, 8, 5)
    missing, error = _call(call, x, y)
    if error is None and _close(_first(missing), want(x, y)):
        return None
    x, y = ordinary(rng, 8, 5, all_classes=True)
    full, error = _call(call, x, y)
    return "classes-from-labels" if error is None and _close(_first(full), want(x, y)) else None


def _first(value):
    return value[0] if isinstance(value, (tuple, list)) and value else value


def _call(fn, *args):
    """(value, None) or (None, the StudentError)."""
    try:
        return fn(*args), None
    except StudentError as error:
        return None, error


def ordinary(rng: np.random.Generator, n: int = 7, c: int = 4, *, all_classes: bool = False):
    """Unremarkable logits. Unless `all_classes`, the labels include 0 but miss class 2 and the last class."""
    x = 2.5 * rng.standard_normal((n, c))
    if all_classes:
        y = rng.permutation(np.arange(n) % c)
    else:
        present = np.array([0, 1, *range(3, c - 1)])
        y = rng.choice(present, size=n)
        y[:2] = 0, present[-1]
    return x, y.astype(np.int64)


def _close(a, b, rtol: float = 1e-5) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or not np.isfinite(a).all():
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=rtol * max(float(np.abs(b).max(initial=0.0)), 1e-12)))


def from_error(error: StudentError, student, reference, rng, *, backward: bool) -> str | None:
    """A raised error: read-only writes, labels used as a class count, or an axis mix-up that N != C exposes."""
    if bug := CATALOGUE.bug_for_error(error):
        return bug
    if isinstance(error, StudentRaised) and "read-only" in error.message:
        return "mutates-input"
    call = (lambda x, y: student.backward(x, y, 1.0)) if backward else student.forward
    x, y = ordinary(rng, 8, 5)
    _, missing_error = _call(call, x, y)
    x, y = ordinary(rng, 8, 5, all_classes=True)
    _, full_error = _call(call, x, y)
    if missing_error is not None and full_error is None:
        return "classes-from-labels"
    if full_error is not None:
        x, y = ordinary(rng, 5, 5, all_classes=True)
        _, square_error = _call(call, x, y)
        if square_error is None:
            return "wrong-axis"
    return None


def forward_bug(student, reference, rng) -> str | None:
    """Compare the loss on an ordinary probe with the wrong variants; the first match names the bug."""
    x, y = ordinary(rng)
    got, error = _call(student.forward, x, y)
    if error is not None:
        return from_error(error, student, reference, rng, backward=False)
    if np.ndim(got) != 0:
        return "not-scalar"
    for bug, value in variants.forward_variants(reference, x, y):
        if _close(got, value):
            return bug
    return None


def backward_bug(student, reference, rng, *, check_dout: bool) -> str | None:
    """Compare dx on an ordinary probe (dout = 1) with the wrong variants, then its response to dout."""
    x, y = ordinary(rng)
    out, error = _call(student.backward, x, y, 1.0)
    if error is not None:
        return from_error(error, student, reference, rng, backward=True)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return None
    dx, dy = out
    if not isinstance(dx, np.ndarray):
        return None
    candidates = list(variants.backward_variants(reference, x, y))
    for bug, value in candidates:
        if dx.shape == value.shape and _close(dx, value):
            if bug != "correct":
                return bug
            break
        if dx.shape == value.shape[::-1] and dx.shape != value.shape and _close(dx.T, value):
            return "grad-transposed"
    if check_dout or _close(dx, candidates[0][1]):
        scaled, error = _call(student.backward, x, y, 0.37)
        if error is None and isinstance(scaled, (tuple, list)) and _close(scaled[0], dx):
            return "grad-ignores-dout"
    if np.ndim(dy) == 0 and np.asarray(dy) != 0 or np.ndim(dy) and np.any(np.asarray(dy) != 0):
        return "dy-not-zero"
    return None


# (bug, hard probe, a benign probe of the same shape, labels): a stable code treats both alike.
_SHIFT_PROBES = (
    ("no-max-shift", [[-1000.0, -1000.0, -1000.0]], [[0.0, 0.0, 0.0]], [0]),
    ("global-max-shift", [[0.0, 1.0, 2.0], [-800.0, -801.0, -802.0]], [[0.0, 1.0, 2.0], [0.0, -1.0, -2.0]], [2, 0]),
    ("log-of-softmax", [[0.0, 800.0]], [[0.0, 8.0]], [0]),
    ("mask-times-log", [[0.0, -np.inf, 1.0]], [[0.0, -30.0, 1.0]], [0]),
)


def stability_bug(student, reference, *, backward: bool = False) -> str | None:
    """The first hard probe that breaks code which handles its benign twin names the bug.

    Comparing with the student's own answer on the benign twin (up to a factor N, -1 or 1/C that
    another bug explains) keeps wrong-value bugs such as label-offset from posing as instability.
    """
    explained_by = None
    for bug, hard, benign, labels in _SHIFT_PROBES:
        if backward and bug in ("log-of-softmax", "mask-times-log"):
            continue
        y = np.array(labels)
        factor = None
        for x in (np.array(benign), np.array(hard)):
            got, error = _output(student, x, y, backward)
            if error is not None:
                read_only = isinstance(error, StudentRaised) and "read-only" in error.message
                return CATALOGUE.bug_for_error(error) or ("mutates-input" if read_only else None)
            want = np.asarray(reference.backward(x, y, 1.0)[0] if backward else reference.forward(x, y))
            if factor is None:
                n, c = x.shape
                if backward and np.shape(got) == want.shape[::-1] != want.shape:
                    explained_by = explained_by or "grad-transposed"
                    break
                scales = ((1.0, ""), (float(n), "n"), (-1.0, "-1"), (-float(n), "-n"), (1.0 / c, "1/c"))
                factor, label = next(((f, k) for f, k in scales if _close(got, f * want)), (None, ""))
                if factor is None:
                    break  # wrong on ordinary inputs too: not a stability bug
                explained_by = explained_by or _SCALE_BUGS[backward].get(label)
            elif not _close(got, factor * want):
                return bug
    return explained_by


_SCALE_BUGS = {
    False: {"n": "sum-not-mean", "-n": "sum-not-mean", "-1": "missing-minus", "1/c": "mean-over-classes"},
    True: {"n": "grad-not-averaged", "-n": "grad-sign", "-1": "grad-sign"},
}


def _output(student, x, y, backward):
    if not backward:
        return _call(student.forward, x, y)
    out, error = _call(student.backward, x, y, 1.0)
    if error is None and isinstance(out, (tuple, list)) and out:
        out = out[0]
    return out, error
