"""Shared by the layers graders: run a check with diagnosis, and the gate for checks of backward against forward."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.checks.compare import ARRAY_TOLERANCE, compare_array, precision
from autograder.checks.diagnosis import run_check
from autograder.checks.result import CheckResult
from autograder.errors import StudentError

from .catalogue import CATALOGUE
from .diagnose import find_bug


def run(checked: str, check: Callable[[], CheckResult], student, rng, *, stage: str) -> CheckResult:
    """Run `check`; on failure (or a StudentError) prefix what was checked, diagnose, and fail the test."""
    return run_check(checked, check, catalogue=CATALOGUE,
                     diagnose=lambda failure: find_bug(failure, student, rng, stage=stage))


def parity(got, expected, *, what: str, inputs) -> CheckResult:
    """`got` against the reference's `expected`, at the tolerance of the inputs the grader built."""
    return compare_array(got, expected, what=what, tolerance=ARRAY_TOLERANCE[precision(*inputs)])


def forward_gate(forward: Callable, inputs, expected, *, op: str, variants=()) -> CheckResult:
    """Checks of backward against the student's own forward pay only when that forward is the reference's
    function, or one of its catalogued misconceptions (`variants`: arrays it would give on `inputs`)."""
    got = forward(*inputs)
    result = parity(got, expected, what=f"{op}.forward", inputs=inputs)
    if result.passed or any(isinstance(got, np.ndarray) and parity(got, wrong, what="", inputs=inputs).passed
                            for wrong in variants):
        return CheckResult.ok()
    return CheckResult.fail(
        f"this check measures backward against your own {op}.forward, which is not right yet on these inputs, "
        f"so it earns nothing until forward is fixed (the {op}.forward tests say how).\n{result.message}",
        gate=op)


def decoy_forward(forward: Callable, *decoys) -> None:
    """Call forward on other inputs of the same shapes first, so a backward that reads a cached forward
    input instead of its own arguments is caught; the decoy call's own failure is no business of this check."""
    try:
        forward(*decoys)
    except StudentError:
        pass
