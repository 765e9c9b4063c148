"""Name the misconceptions behind a failed CELoss check by running probes through the student's code.

Runs only after a check has failed. A bug is recognised by behaviour: the student's outputs on
probe inputs are compared with cross-entropy and with its known misreadings (`variants.py`), never
by reading source text. Each probe is one extra sandboxed call; a `StudentError` in a probe is
evidence, not a failure of the diagnosis. Stability bugs are told apart by small probes drawn from
the same `rng`, one per bug, each beside a benign twin; every bug whose probe breaks is named, with
that probe as its evidence (`instability.py`).
"""

from __future__ import annotations

import numpy as np

from autograder.checks.compare import shape_of
from autograder.checks.diagnosis import Diagnosis, Finding, explain
from autograder.checks.result import CheckResult
from autograder.errors import StudentError, StudentRaised
from . import variants
from .catalogue import CATALOGUE
from .instability import stability_bugs

STAGES = ("forward", "backward", "gradcheck", "dout", "stability", "extensions")
# Errors an axis mix-up raises when N != C; any other crash (UnboundLocalError, NameError...) is not one.
AXIS_ERRORS = ("ValueError", "IndexError")


def diagnose(failure: CheckResult, student, reference, rng: np.random.Generator, *, stage: str) -> CheckResult:
    """`student` and `reference` are CELoss-like (forward/backward); `stage` says which check failed."""
    untagged = CheckResult(False, failure.message, None, failure.details)
    return explain(untagged, find_bugs(failure, student, reference, rng, stage=stage), CATALOGUE)


def find_bugs(failure: CheckResult, student, reference, rng: np.random.Generator, *, stage: str) -> Diagnosis:
    """The bugs that explain `failure`: None, a bug id, a `Finding` or a list of them."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    return failure.bugs or _find(failure, student, reference, rng, stage)


def find_bug(failure: CheckResult, student, reference, rng: np.random.Generator, *, stage: str) -> str | None:
    """The first bug id that explains `failure`, or None."""
    found = [f if isinstance(f, str) else f.bug for f in _as_list(find_bugs(failure, student, reference, rng, stage=stage))]
    return found[0] if found else None


def _as_list(diagnosis: Diagnosis) -> list:
    if diagnosis is None:
        return []
    return [diagnosis] if isinstance(diagnosis, (str, Finding)) else list(diagnosis)


def _find(failure, student, reference, rng, stage) -> Diagnosis:
    bug = _find_by_stage(failure, student, reference, rng, stage)
    if not bug and stage != "extensions" and failure.details.get("error") is None:
        bug = label_coverage_bug(student, reference, rng, backward=stage != "forward")
    return bug


def _find_by_stage(failure, student, reference, rng, stage) -> Diagnosis:
    error = failure.details.get("error")
    if stage == "extensions":  # no probes: the bonus part only names errors that explain themselves
        read_only = isinstance(error, StudentRaised) and "read-only" in error.message
        return "mutates-input" if read_only else None
    if error is not None:
        return from_error(error, student, reference, rng, backward=stage not in ("forward",))
    if stage == "stability" and failure.details.get("ordinary"):
        stage = failure.details.get("stage", "forward")  # wrong on the ordinary twin: a value bug
    if stage == "forward":
        return forward_bug(student, reference, rng)
    if stage == "stability":
        dtype = np.float32 if failure.details.get("probe_dtype") == "float32" else np.float64
        found = stability_bugs(student, rng, backward=failure.details.get("stage") == "backward", dtype=dtype)
        if found or dtype == np.float32:
            return found
        # stable, but not accurate enough on float64 logits: float32 arithmetic explains that
        return "float32-on-float64" if forward_bug(student, reference, rng) == "float32-on-float64" else None
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
    want = (lambda x, y: next(variants.backward_variants(x, y))[1]) if backward else (
        lambda x, y: next(variants.forward_variants(x, y))[1])
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
    return variants.close(a, b, rtol)


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
    if isinstance(full_error, StudentRaised) and full_error.type_name in AXIS_ERRORS:
        x, y = ordinary(rng, 5, 5, all_classes=True)
        _, square_error = _call(call, x, y)
        if square_error is None:
            return "wrong-axis"
    return None


def _float32_answer(value, x) -> bool:
    dtype = getattr(value, "dtype", None)
    return dtype is not None and dtype == np.float32 and x.dtype == np.float64


def forward_bug(student, reference, rng) -> str | None:
    """Compare the loss on an ordinary probe with the misreadings; the first match names the bug."""
    x, y = ordinary(rng)
    got, error = _call(student.forward, x, y)
    if error is not None:
        return from_error(error, student, reference, rng, backward=False)
    if shape_of(got) != ():
        return "not-scalar" if isinstance(got, np.ndarray) else None
    for bug, value in variants.forward_variants(x, y):
        if np.ndim(value) == 0 and _close(got, value):
            if bug == "correct":
                return "float32-on-float64" if _float32_answer(got, x) else None
            return bug
    return None


def backward_bug(student, reference, rng, *, check_dout: bool) -> str | None:
    """Compare dx on an ordinary probe (dout = 1) with the misreadings, then its response to dout."""
    x, y = ordinary(rng)
    out, error = _call(student.backward, x, y, 1.0)
    if error is not None:
        return from_error(error, student, reference, rng, backward=True)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return None
    dx, dy = out
    if not isinstance(dx, np.ndarray):
        return None
    found = variants.backward_reading(dx, x, y, rtol=1e-5)
    if found is not None and found[0] != "correct":
        return found[0]
    right = found is not None
    if check_dout or right:
        scaled, error = _call(student.backward, x, y, 0.37)
        if error is None and isinstance(scaled, (tuple, list)) and scaled and _close(scaled[0], dx):
            return "grad-ignores-dout"
    if shape_of(dy) in ((), y.shape) and np.any(np.asarray(dy) != 0):
        return "dy-not-zero"
    if right and _float32_answer(dx, x):
        return "float32-on-float64"
    return None
