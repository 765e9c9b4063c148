"""Hard logits drawn per submission, each beside its ordinary twin, and the check that runs them.

A probe is an ordinary batch (the twin: Gaussian logits, as in the parity tests) turned hard row by
row: some rows shifted far up or down (the answer does not change), some scaled until exp overflows,
a target pushed so far below its row's max that its probability underflows, a -inf at a non-target.
Magnitudes, offsets, N, C, which rows are hard and the target positions all come from the seeded
`rng`, so no answer can be known in advance, not even up to a row shift or a class permutation.

The check first classifies the student's answer on the twin (`variants.forward_form`): it must be
cross-entropy or a catalogued misreading of it, so stability points need the ordinary values right.
On the hard batch the student must then give what that same reading gives there, evaluated exactly
(`exact.exact_table`, to the last bit). A value bug such as a missing 1/N is thereby charged once, in the
part that teaches it, and only instability costs stability points.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from autograder.checks.calls import each_value
from autograder.checks.compare import (ARRAY_TOLERANCE, SCALAR_TOLERANCE, Tolerance, compare_array, compare_scalar, fmt,
                                       precision, shape_of)
from autograder.checks.contract import check_pair
from autograder.checks.result import CheckResult

from . import variants
from .exact import Table, exact_table

FAMILIES = ("large", "extreme", "float32")


@dataclass(frozen=True)
class Probe:
    """One hard batch `x` with labels `y`, its ordinary `twin`, and what was done to each row."""

    family: str
    x: np.ndarray
    y: np.ndarray
    twin: np.ndarray
    rows: tuple[str, ...]

    @functools.cached_property
    def exact(self) -> Table:
        """The exact table of the hard batch, made once for the forward and the backward check."""
        return exact_table(self.x)

    def table(self, x: np.ndarray) -> Table:
        """`exact_table(x)`, from `exact` when x is the hard batch itself."""
        return self.exact if x is self.x else exact_table(x)

    def describe(self) -> str:
        n, c = self.x.shape
        hard = [f"row {i}: {note}" for i, note in enumerate(self.rows) if note]
        return f"{self.x.dtype} logits of shape ({n}, {c}) with " + "; ".join(hard)


def _readonly(*arrays):
    for array in arrays:
        array.setflags(write=False)
    return arrays


def _size(rng: np.random.Generator) -> tuple[int, int]:
    c = int(rng.integers(3, 8))
    n = int(rng.integers(5, 10))
    return (n + 1 if n == c else n), c


def draw(family: str, rng: np.random.Generator) -> Probe:
    """A fresh probe of `family` ("large", "extreme" or "float32") from `rng`."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}")
    n, c = _size(rng)
    twin = 2.5 * rng.standard_normal((n, c))
    y = rng.integers(0, c, size=n).astype(np.int64)
    x = twin.copy()
    rows = [""] * n
    order = rng.permutation(n)
    if family == "large":
        kinds = ["scaled", "scaled", "up", "down"]
    elif family == "extreme":
        kinds = ["neginf", "far-below", "target-low", "down"]
    else:
        kinds = ["up", "down", "target-low", "scaled"]
    limit = 88.72 if family == "float32" else 709.78
    for i, kind in zip(order, kinds):
        row = x[i]
        if kind == "scaled":  # the row's spread far beyond exp's range: the loss is max - x_y, almost exactly
            magnitude = float(rng.uniform(1.2, 1.6)) * limit if family == "float32" else float(10 ** rng.uniform(3, 30))
            row[:] = magnitude * row / np.abs(row).max()
            rows[i] = f"scaled to logits of about {magnitude:.2g}"
        elif kind in ("up", "down", "far-below"):  # a shift of the whole row leaves its answer unchanged
            if family == "float32":
                offset = float(rng.uniform(1.05, 1.4)) * limit + 20
            else:
                offset = float(10 ** rng.uniform(3, 4)) if kind != "far-below" else float(rng.uniform(760, 1500))
            sign = 1.0 if kind == "up" else -1.0
            row += sign * offset
            rows[i] = f"shifted by {sign * offset:+.4g}"
        elif kind == "target-low":  # the target's probability underflows: log(softmax) gives inf
            gap = float(rng.uniform(1.05, 2.0)) * (103.97 if family == "float32" else 745.2) + 10
            row[y[i]] = row.max() - gap
            rows[i] = f"its target {gap:.4g} below the row's max"
        elif kind == "neginf":  # a class with logit -inf has probability 0; the loss stays finite
            others = [k for k in range(c) if k != y[i]]
            row[int(rng.choice(others))] = -np.inf
            rows[i] = "-inf at a non-target class"
    dtype = np.float32 if family == "float32" else np.float64
    x, twin = x.astype(dtype), twin.astype(dtype)
    return Probe(family, *_readonly(x, y, twin), tuple(rows))


def loss_tolerance(x: np.ndarray) -> Tolerance:
    """The scalar tolerance for x's precision; its absolute floor grows with the logits (x_y - lse cancels)."""
    prec = precision(x)
    eps = float(np.finfo(np.float32 if prec == "float32" else np.float64).eps)
    finite = np.abs(x[np.isfinite(x)]).astype(np.float64)
    base = SCALAR_TOLERANCE[prec]
    return Tolerance(base.rtol, 0.0, max(base.atol_floor, 8 * eps * float(finite.max(initial=1.0))))


def ordinary_failure(what: str, got, want, probe: Probe) -> CheckResult:
    return CheckResult.fail(
        f"On ordinary {probe.twin.dtype} logits of shape {probe.twin.shape} (the twin of the hard batch), {what} is "
        f"neither cross-entropy nor a known misreading of it: got {_short(got)}, cross-entropy gives {_short(want)}.\n"
        "Stability points need the ordinary values right first: fix the forward and backward parts.",
        stage="forward" if what == "the loss" else "backward", ordinary=True,
    )


def _short(value) -> str:
    if shape_of(value) == () and not isinstance(value, bool):
        try:
            return fmt(value)
        except (TypeError, ValueError, OverflowError):
            pass
    return f"a value of shape {shape_of(value)}" if isinstance(value, np.ndarray) else type(value).__name__


def _against(reading: str) -> str:
    return "the exact value" if reading == "correct" else f"the exact value of your own reading of the loss ({reading})"


def check_forward(forward: Callable, probe: Probe) -> CheckResult:
    """The loss on the hard batch equals the exact value of the student's reading on the twin."""
    answers = each_value(forward, [(probe.twin, probe.y), (probe.x, probe.y)])
    ordinary = next(answers)
    index = variants.forward_form(ordinary, probe.twin, probe.y)
    if index is None:
        return ordinary_failure("the loss", ordinary, next(variants.forward_variants(probe.twin, probe.y))[1], probe)
    reading = variants.FORWARD_NAMES[index]
    want = variants.forward_at(index, ordinary, probe.x, probe.y, probe.table)
    got = next(answers)
    if np.ndim(want) == 0:
        result = compare_scalar(got, want, tolerance=loss_tolerance(probe.x), against=_against(reading), inputs=probe.x)
    else:
        result = compare_array(got, want, what="the per-sample losses", against=_against(reading), inputs=probe.x,
                               tolerance=_scaled(ARRAY_TOLERANCE[precision(probe.x)], probe.x))
    if result.passed:
        return result
    return CheckResult.fail(f"On hard logits, {probe.describe()}:\n{result.message}", stage="forward",
                            reading=reading, probe_dtype=str(probe.x.dtype), **result.details)


def _scaled(tolerance: Tolerance, x: np.ndarray) -> Tolerance:
    return Tolerance(tolerance.rtol, tolerance.atol_scale, loss_tolerance(x).atol_floor)


def check_backward(backward: Callable, probe: Probe) -> CheckResult:
    """dx on the hard batch equals the exact value of the student's reading of dx on the twin."""
    answers = each_value(backward, [(probe.twin, probe.y, 1.0), (probe.x, probe.y, 1.0)])
    out = next(answers)
    pair = check_pair(out)
    if not pair.passed:
        return CheckResult.fail(pair.message, stage="backward")
    found = variants.backward_reading(out[0], probe.twin, probe.y)
    if found is None:
        return ordinary_failure("dx", out[0], next(variants.backward_variants(probe.twin, probe.y))[1], probe)
    reading, index = found
    want = variants.backward_form(index, reading == "grad-transposed", probe.x, probe.y, probe.table)
    out = next(answers)
    pair = check_pair(out)
    if not pair.passed:
        return CheckResult.fail(pair.message, stage="backward")
    result = compare_array(out[0], want, against=_against(reading).replace("the loss", "dx"), inputs=probe.x)
    if result.passed:
        return result
    return CheckResult.fail(f"On hard logits, {probe.describe()}:\n{result.message}", stage="backward",
                            reading=reading, probe_dtype=str(probe.x.dtype), **result.details)


def check_probe(forward: Callable | None, backward: Callable | None, probe: Probe) -> CheckResult:
    """Forward, then backward, on one probe; the first failure is returned."""
    if forward is not None:
        result = check_forward(forward, probe)
        if not result.passed:
            return result
    if backward is not None:
        return check_backward(backward, probe)
    return CheckResult.ok()

