"""Shared helpers for the CELoss graders: seeded hidden inputs, the cross-entropy gate, and running a check."""

from __future__ import annotations

from typing import Callable

import numpy as np

from autograder.checks.compare import fmt, shape_of
from autograder.checks.diagnosis import run_check
from autograder.checks.result import CheckResult

from . import variants
from .catalogue import CATALOGUE
from .diagnose import find_bugs

NOT_CROSS_ENTROPY = (
    "This test checks your code against itself, so it pays only when CELoss.forward computes cross-entropy, "
    "or one of its known misreadings, on the same logits. On {inputs} it returned {got}, while cross-entropy "
    "gives {want}: fix the forward first."
)


def sizes(rng: np.random.Generator, low: int = 5, high: int = 40) -> tuple[int, int]:
    """A batch size N and a class count C with N != C (so a transposed dx cannot pass)."""
    c = int(rng.integers(3, 13))
    n = int(rng.integers(low, high + 1))
    return (n + 1 if n == c else n), c


def logits(rng: np.random.Generator, n: int, c: int, *, scale: float = 2.5, dtype=np.float64):
    """Hidden inputs: Gaussian logits times `scale`, labels uniform in [0, C)."""
    x = (scale * rng.standard_normal((n, c))).astype(dtype)
    y = rng.integers(0, c, size=n).astype(np.int64)
    return x, y


def batches(rng: np.random.Generator, n: int, c: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Three batches of one size: float64 and float32 logits, then float64 whose labels never reach the last class.

    The last batch is what tells C = x.shape[1] from C = y.max() + 1: with uniform labels, the largest
    class is almost always present.
    """
    x, y = logits(rng, n, c)
    x32 = logits(rng, n, c, dtype=np.float32)[0]
    partial = logits(rng, n, c)[0], rng.integers(0, c - 1, size=n).astype(np.int64)
    return [(x, y), (x32, y), partial]


def describe(x: np.ndarray, y: np.ndarray | None = None) -> str:
    text = f"random {x.dtype} logits x of shape {x.shape}"
    if y is not None and len(y) and int(y.max()) < x.shape[1] - 1:
        text += f" (no label is {x.shape[1] - 1}, the last class)"
    return text


def _shown(value) -> str:
    if shape_of(value) == () and not isinstance(value, bool):
        try:
            return fmt(value)
        except (TypeError, ValueError, OverflowError):
            pass
    return f"an array of shape {shape_of(value)}" if isinstance(value, np.ndarray) else f"a {type(value).__name__}"


def forward_gate(loss, x: np.ndarray, y: np.ndarray) -> CheckResult:
    """Passes, with `details["reading"]`, when `loss` is cross-entropy or a catalogued misreading of it on (x, y)."""
    reading = variants.forward_reading(loss, x, y)
    if reading is not None:
        return CheckResult(True, details={"reading": reading})
    want = next(variants.forward_variants(x, y))[1]
    placeholder = shape_of(loss) == () and _shown(loss) == "0"
    return CheckResult.fail(
        NOT_CROSS_ENTROPY.format(inputs=describe(x), got=_shown(loss), want=fmt(want)),
        bug="placeholder-output" if placeholder else None, gate=True,
    )


def gated(student, x: np.ndarray, y: np.ndarray, check: Callable[[str], CheckResult]) -> CheckResult:
    """`check(reading)` if CELoss.forward on (x, y) passes `forward_gate`, else the gate's failure."""
    gate = forward_gate(student.CELoss.forward(x, y), x, y)
    return check(gate.details["reading"]) if gate.passed else gate


def run(checked: str, check: Callable[[], CheckResult], student, reference, rng, *, stage: str) -> CheckResult:
    """Run `check`; on failure (or a StudentError) prefix what was checked, diagnose, and fail the test.

    A failed cross-entropy gate is diagnosed as a forward failure, whatever the test.
    """
    def diagnose(failure: CheckResult):
        at = "forward" if failure.details.get("gate") else stage
        return find_bugs(failure, student.CELoss, reference.CELoss, rng, stage=at)

    return run_check(checked, check, catalogue=CATALOGUE, diagnose=diagnose)
