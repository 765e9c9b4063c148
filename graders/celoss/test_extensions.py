"""Hidden graders for the optional extension part (bonus): torch's cross_entropy keyword arguments."""

import numpy as np
import pytest

from autograder.checks import compare
from autograder.checks.result import CheckResult
from autograder.errors import StudentError, StudentRaised, error_kind
from . import probes

NOT_ATTEMPTED = "not attempted (bonus): {error}. This part is optional; it costs nothing."


def _parity(student, reference, x, y, dout, **kwargs) -> CheckResult:
    """Loss and dx under `kwargs` against the reference; the first difference is returned."""
    got = student.CELoss.forward(x, y, **kwargs)
    want = reference.CELoss.forward(x, y, **kwargs)
    if np.ndim(want) == 0:
        result = compare.compare_scalar(got, want, inputs=x)
    else:
        result = compare.compare_array(got, want, what="the loss", inputs=x)
    if not result.passed:
        return result
    out = student.CELoss.backward(x, y, dout, **kwargs)
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return CheckResult.fail(f"backward should return a pair (dx, dy), but returned {compare.describe(out)}.")
    return compare.compare_array(out[0], reference.CELoss.backward(x, y, dout, **kwargs)[0], inputs=x)


def not_attempted(error: StudentError) -> bool:
    """The stub's NotImplementedError, or a core-only signature that refuses the part's keyword arguments."""
    if error_kind(error) == "not_implemented":
        return True
    return isinstance(error, StudentRaised) and error.type_name == "TypeError" and (
        "unexpected keyword argument" in error.message or "positional argument" in error.message)


def _refuses_keywords(student, x, y) -> bool:
    """A forward that refuses `reduction="mean"` has not attempted this part (one call, only after a failure)."""
    try:
        student.CELoss.forward(x, y, reduction="mean")
    except StudentError as error:
        return not_attempted(error)
    return False


def _run(student, reference, rng, cases, what):
    def check():
        for label, x, y, dout, kwargs in cases:
            try:
                result = _parity(student, reference, x, y, dout, **kwargs)
            except StudentError as error:
                if not_attempted(error) or _refuses_keywords(student, x, y):
                    return CheckResult.fail(NOT_ATTEMPTED.format(error=error.student_message), not_attempted=True)
                raise
            if not result.passed:
                args = ", ".join(f"{k}={_short(v)}" for k, v in kwargs.items())
                return CheckResult.fail(f"With {label} ({args}):\n{result.message}", **result.details)
        return CheckResult.ok()

    probes.run(f"CELoss.forward and CELoss.backward with {what}, against the reference (torch semantics).",
               check, student, reference, rng, stage="extensions")


def _short(value) -> str:
    return f"an array of shape {value.shape}" if isinstance(value, np.ndarray) else repr(value)


@pytest.mark.points(0.5)
@pytest.mark.part("extensions", bonus=True)
def test_reduction(student, reference, rng):
    """reduction="sum" and reduction="none" (dout then has shape (N,))."""
    n, c = probes.sizes(rng)
    x, y = probes.logits(rng, n, c)
    cases = [("reduction='sum'", x, y, float(rng.uniform(0.5, 2)), {"reduction": "sum"}),
             ("reduction='none'", x, y, rng.standard_normal(n), {"reduction": "none"})]
    _run(student, reference, rng, cases, "reduction='sum' and 'none'")


@pytest.mark.points(0.5)
@pytest.mark.part("extensions", bonus=True)
def test_weight_and_ignore_index(student, reference, rng):
    """Class weights, ignored rows (the default -100 and a custom index), and both together."""
    n, c = probes.sizes(rng)
    x, y = probes.logits(rng, n, c)
    weight = rng.uniform(0.2, 3.0, size=c)
    ignored = y.copy()
    ignored[rng.choice(n, size=max(1, n // 4), replace=False)] = -100
    cases = [("class weights", x, y, 1.0, {"weight": weight}),
             ("ignored rows", x, ignored, 1.0, {"ignore_index": -100}),
             ("a custom ignore_index", x, y, 1.0, {"ignore_index": int(y[0])}),
             ("weights and ignored rows, summed", x, ignored, 1.3, {"weight": weight, "reduction": "sum"})]
    _run(student, reference, rng, cases, "weight and ignore_index")


@pytest.mark.points(0.5)
@pytest.mark.part("extensions", bonus=True)
def test_label_smoothing(student, reference, rng):
    """label_smoothing alone and with class weights."""
    n, c = probes.sizes(rng)
    x, y = probes.logits(rng, n, c)
    eps = float(rng.uniform(0.05, 0.3))
    weight = rng.uniform(0.2, 3.0, size=c)
    cases = [("label smoothing", x, y, 1.0, {"label_smoothing": eps}),
             ("label smoothing with weights", x, y, 0.7, {"label_smoothing": eps, "weight": weight})]
    _run(student, reference, rng, cases, "label_smoothing")


@pytest.mark.points(0.5)
@pytest.mark.part("extensions", bonus=True)
def test_probability_targets_and_kdim(student, reference, rng):
    """Probability targets of shape (N, C), and K-dim inputs of shape (N, C, d)."""
    n, c = probes.sizes(rng)
    x, _ = probes.logits(rng, n, c)
    t = rng.dirichlet(np.ones(c), size=n)
    d = int(rng.integers(2, 5))
    xk = 2.5 * rng.standard_normal((n, c, d))
    yk = rng.integers(0, c, size=(n, d)).astype(np.int64)
    cases = [("probability targets", x, t, 1.0, {}),
             ("K-dim input (N, C, d)", xk, yk, 1.0, {})]
    _run(student, reference, rng, cases, "probability targets and K-dim inputs")
