"""Shared helpers for the CELoss graders: seeded hidden inputs, and running a check with diagnosis."""

from __future__ import annotations

from typing import Callable

import numpy as np

from autograder.checks.diagnosis import run_check
from autograder.checks.result import CheckResult

from .catalogue import CATALOGUE
from .diagnose import find_bug


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
    return run_check(checked, check, catalogue=CATALOGUE,
                     diagnose=lambda failure: find_bug(failure, student.CELoss, reference.CELoss, rng, stage=stage))
