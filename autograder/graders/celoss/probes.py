"""Shared helpers for the CELoss graders: seeded hidden inputs, and running a check with diagnosis."""

from __future__ import annotations

from typing import Callable

import numpy as np

from autograder.checks.result import CheckResult
from autograder.errors import StudentError
from autograder.grading import expect
from autograder.graders.celoss.catalogue import explain
from autograder.graders.celoss.diagnose import diagnose


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


def describe(x: np.ndarray) -> str:
    return f"random {x.dtype} logits x of shape {x.shape}"


def run(checked: str, check: Callable[[], CheckResult], student, reference, rng, *, stage: str) -> CheckResult:
    """Run `check`; on failure (or a StudentError) prefix what was checked, diagnose, and fail the test."""
    try:
        result = check()
    except StudentError as error:
        result = CheckResult.fail(error.student_message, bug=error.bug_tag, error=error)
    if result.passed:
        return result
    failure = CheckResult(False, f"Checked: {checked}\n{result.message}", None, result.details)
    if result.bug:
        failure = failure.with_diagnosis(result.bug, explain(result.bug))
    else:
        failure = diagnose(failure, student.CELoss, reference.CELoss, rng, stage=stage)
    return expect(failure)
