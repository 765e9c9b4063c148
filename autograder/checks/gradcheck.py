"""Finite-difference gradient checks of a scalar function against its claimed gradient.

Two checks, calibrated in ASSIGNMENT.md. Full central differences on a small input compare every
entry and pass if `max|num - ana| <= tol * max|ana|`. Random-direction checks on a large input pass
if `|(f(x+hu) - f(x-hu))/2h - <ana, u>| <= tol * ||ana||` for each Gaussian direction u. Both scale
the tolerance by the gradient as a whole, never entry by entry: CS231n's elementwise relative error
fails correct code whenever a softmax entry is tiny. A failure names the worst entry only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from autograder.checks.compare import precision
from autograder.checks.result import CheckResult


@dataclass(frozen=True)
class Settings:
    """Step sizes and tolerances for one floating-point precision."""

    full_h: float
    full_tol: float
    direction_h: float
    direction_tol: float


SETTINGS = {
    # float64: a correct CELoss's worst full-difference error was 2.2e-10 * max|dx|, directional 1.8e-9 * ||dx||.
    "float64": Settings(full_h=1e-5, full_tol=1e-7, direction_h=1e-5, direction_tol=1e-6),
    # float32: at h=1e-5 rounding alone is ~40% of max|dx|; h=1e-2 keeps correct code well inside 5e-3.
    "float32": Settings(full_h=1e-2, full_tol=5e-3, direction_h=1e-2, direction_tol=5e-3),
}


def settings_for(*values) -> Settings:
    return SETTINGS[precision(*values)]


def _value(f: Callable, x: np.ndarray) -> float:
    out = f(x)
    if np.ndim(out) != 0:
        raise _NotScalar(np.shape(out))
    return float(np.asarray(out))


class _NotScalar(Exception):
    pass


def full_central_differences(
    f: Callable[[np.ndarray], float], x: np.ndarray, analytic: np.ndarray, *, settings: Settings | None = None,
    what: str = "dx",
) -> CheckResult:
    """Every entry of `analytic` against `(f(x + h e_k) - f(x - h e_k)) / 2h` (2 * x.size calls of f)."""
    analytic = np.asarray(analytic)
    if analytic.shape != x.shape:
        return CheckResult.fail(f"{what} has shape {analytic.shape}; the finite-difference check needs {x.shape}.")
    settings = settings or settings_for(x, analytic)
    h = settings.full_h
    numeric = np.empty(x.shape)
    try:
        for k in np.ndindex(x.shape):
            plus, minus = x.copy(), x.copy()
            plus[k] += h
            minus[k] -= h
            numeric[k] = (_value(f, plus) - _value(f, minus)) / (float(plus[k]) - float(minus[k]))
    except _NotScalar as shape:
        return CheckResult.fail(f"the finite-difference check needs a scalar loss, but it came back with shape {shape}.")
    ana = analytic.astype(np.float64)
    if not np.isfinite(ana).all():
        return CheckResult.fail(f"{what} contains nan or inf on ordinary inputs.", nonfinite=True)
    if not np.isfinite(numeric).all():
        return CheckResult.fail("the loss is nan or inf near ordinary inputs, so its derivative cannot be estimated.")
    diff = np.abs(numeric - ana)
    allowed = settings.full_tol * float(np.abs(ana).max())
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape)
    if diff[worst] <= allowed:
        return CheckResult.ok()
    count = int((diff > allowed).sum())
    where = tuple(int(i) for i in worst)
    return CheckResult.fail(
        f"{what} disagrees with central differences of the loss (h={h:g}; allowed {settings.full_tol:g} * max|{what}|"
        f" = {allowed:.2g})\nMismatched elements: {count} / {diff.size}\n"
        f"Worst at index {where}: {what} gives {ana[worst]:.6g}, finite differences give {numeric[worst]:.6g}"
        f" (difference {diff[worst]:.3g})",
        index=where, analytic=float(ana[worst]), numeric=float(numeric[worst]), ratio=_ratio(numeric, ana),
    )


def random_directions(
    f: Callable[[np.ndarray], float], x: np.ndarray, analytic: np.ndarray, directions: np.ndarray, *,
    settings: Settings | None = None, what: str = "dx",
) -> CheckResult:
    """`<analytic, u>` against a central difference along each direction u (2 calls of f per direction)."""
    analytic = np.asarray(analytic)
    if analytic.shape != x.shape:
        return CheckResult.fail(f"{what} has shape {analytic.shape}; the finite-difference check needs {x.shape}.")
    settings = settings or settings_for(x, analytic)
    h = settings.direction_h
    ana = analytic.astype(np.float64)
    if not np.isfinite(ana).all():
        return CheckResult.fail(f"{what} contains nan or inf on ordinary inputs.", nonfinite=True)
    allowed = settings.direction_tol * float(np.linalg.norm(ana))
    base = np.asarray(x, dtype=np.float64)
    for number, u in enumerate(directions, start=1):
        plus, minus = (base + h * u).astype(x.dtype), (base - h * u).astype(x.dtype)
        try:
            slope = (_value(f, plus) - _value(f, minus)) / (2 * h)
        except _NotScalar as shape:
            return CheckResult.fail(f"the finite-difference check needs a scalar loss, but it came back with shape {shape}.")
        claimed = float(np.vdot(ana, plus.astype(np.float64) - minus.astype(np.float64))) / (2 * h)
        if not abs(slope - claimed) <= allowed:
            return CheckResult.fail(
                f"{what} disagrees with the loss's slope along random direction {number} of {len(directions)} "
                f"(h={h:g}; allowed {settings.direction_tol:g} * ||{what}|| = {allowed:.2g})\n"
                f"(f(x+hu) - f(x-hu))/2h = {slope:.6g}, but <{what}, u> = {claimed:.6g} (difference {abs(slope - claimed):.3g})",
                numeric=slope, analytic=claimed,
            )
    return CheckResult.ok()


def _ratio(numeric: np.ndarray, ana: np.ndarray) -> float | None:
    """numeric ≈ ratio * analytic, if one number explains the disagreement (a missing factor, a sign)."""
    denom = float(np.vdot(ana, ana))
    if denom == 0:
        return None
    ratio = float(np.vdot(numeric, ana)) / denom
    return ratio if np.allclose(numeric, ratio * ana, rtol=1e-4, atol=1e-6 * np.abs(ana).max()) else None
