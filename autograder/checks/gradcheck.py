"""Finite-difference gradient checks of a scalar function against its claimed gradient.

Two checks, calibrated in ASSIGNMENT.md. Full central differences on a small input compare every
entry and pass if `max|num - ana| <= tol * max|ana|`. Random-direction checks on a large input pass
if `|(f(x+hu) - f(x-hu))/2h - <ana, u>| <= tol * ||ana||` for each Gaussian direction u. Both scale
the tolerance by the gradient as a whole, never entry by entry: CS231n's elementwise relative error
fails correct code whenever a softmax entry is tiny. A failure names the worst entry only.

The step and the tolerance follow the dtype of `x`, the input the parent built, never the dtype
of the gradient or the loss that came back. `scales` lists the factors s for which
`numeric ≈ s * analytic` is accepted (default: only 1); a grader passes another factor only when a
catalogued misreading of the loss explains it, so that one misconception is not counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np

from autograder.checks.compare import describe, precision, shape_of
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


def settings_for(x) -> Settings:
    """The settings for the precision of `x`, the input the parent built."""
    return SETTINGS[precision(x)]


def _evaluations(f: Callable[[np.ndarray], object], f_many: Callable[[list[np.ndarray]], Iterable] | None,
                 points: list[np.ndarray]) -> Iterator:
    """f at each point, in order: from one call of `f_many(points)` when given, else f point by point, lazily."""
    return iter(f_many(points)) if f_many is not None else map(f, points)


def _value(out) -> float:
    shape = shape_of(out)
    if shape is None:
        raise _NotScalar(f"() but it is {describe(out)}, not a real number")
    if shape != ():
        raise _NotScalar(shape)
    if isinstance(out, bool) or not isinstance(out, (int, float, np.generic, np.ndarray)) or \
            np.asarray(out).dtype.kind not in "iuf":
        raise _NotScalar(f"() but it is {type(out).__name__}, not a real number")
    try:
        return float(out)
    except OverflowError:
        return float("inf")


class _NotScalar(Exception):
    pass


def full_central_differences(
    f: Callable[[np.ndarray], float], x: np.ndarray, analytic: np.ndarray, *, settings: Settings | None = None,
    what: str = "dx", scales: tuple[float, ...] = (1.0,), f_many: Callable[[list[np.ndarray]], Iterable] | None = None,
) -> CheckResult:
    """Every entry of `analytic` against `(f(x + h e_k) - f(x - h e_k)) / 2h` (2 * x.size calls of f).

    `f_many(points)`, when given, evaluates f at every point at once (in order, as an iterable).
    """
    if not isinstance(analytic, np.ndarray) or analytic.shape != x.shape:
        return CheckResult.fail(f"{what} has shape {shape_of(analytic)}; the finite-difference check needs {x.shape}.")
    settings = settings or settings_for(x)
    h = settings.full_h
    numeric = np.empty(x.shape)
    points = []
    for k in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[k] += h
        minus[k] -= h
        points += [plus, minus]
    values = _evaluations(f, f_many, points)
    try:
        for number, k in enumerate(np.ndindex(x.shape)):
            plus, minus = points[2 * number], points[2 * number + 1]
            numeric[k] = (_value(next(values)) - _value(next(values))) / (float(plus[k]) - float(minus[k]))
    except _NotScalar as shape:
        return CheckResult.fail(f"the finite-difference check needs a scalar loss, but it came back with shape {shape}.")
    ana = analytic.astype(np.float64)
    if not np.isfinite(ana).all():
        return CheckResult.fail(f"{what} contains nan or inf on ordinary inputs.", nonfinite=True)
    if not np.isfinite(numeric).all():
        return CheckResult.fail("the loss is nan or inf near ordinary inputs, so its derivative cannot be estimated.")
    for scale in scales:
        if np.max(np.abs(numeric - scale * ana), initial=0.0) <= settings.full_tol * abs(scale) * float(np.abs(ana).max()):
            return CheckResult.ok()
    diff = np.abs(numeric - ana)
    allowed = settings.full_tol * float(np.abs(ana).max())
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape)
    count = int((diff > allowed).sum())
    where = tuple(int(i) for i in worst)
    return CheckResult.fail(
        f"{what} is not equal to central differences of the loss within rtol=0, atol={allowed:.2g} "
        f"({settings.full_tol:g} * max|{what}|; step h={h:g})\nMismatched elements: {count} / {diff.size}\n"
        f"Worst at index {where}: {what} gives {ana[worst]:.6g}, finite differences give {numeric[worst]:.6g}"
        f" (difference {diff[worst]:.3g})",
        index=where, analytic=float(ana[worst]), numeric=float(numeric[worst]), ratio=_ratio(numeric, ana),
    )


def random_directions(
    f: Callable[[np.ndarray], float], x: np.ndarray, analytic: np.ndarray, directions: np.ndarray, *,
    settings: Settings | None = None, what: str = "dx", scales: tuple[float, ...] = (1.0,),
    f_many: Callable[[list[np.ndarray]], Iterable] | None = None,
) -> CheckResult:
    """`<analytic, u>` against a central difference along each direction u (2 calls of f per direction).

    `f_many(points)`, when given, evaluates f at every point at once (in order, as an iterable).
    """
    if not isinstance(analytic, np.ndarray) or analytic.shape != x.shape:
        return CheckResult.fail(f"{what} has shape {shape_of(analytic)}; the finite-difference check needs {x.shape}.")
    settings = settings or settings_for(x)
    h = settings.direction_h
    ana = analytic.astype(np.float64)
    if not np.isfinite(ana).all():
        return CheckResult.fail(f"{what} contains nan or inf on ordinary inputs.", nonfinite=True)
    allowed = settings.direction_tol * float(np.linalg.norm(ana))
    base = np.asarray(x, dtype=np.float64)
    live = list(scales)
    points = [point for u in directions for point in ((base + h * u).astype(x.dtype), (base - h * u).astype(x.dtype))]
    values = _evaluations(f, f_many, points)
    for number in range(1, len(directions) + 1):
        plus, minus = points[2 * number - 2], points[2 * number - 1]
        try:
            slope = (_value(next(values)) - _value(next(values))) / (2 * h)
        except _NotScalar as shape:
            return CheckResult.fail(f"the finite-difference check needs a scalar loss, but it came back with shape {shape}.")
        claimed = float(np.vdot(ana, plus.astype(np.float64) - minus.astype(np.float64))) / (2 * h)
        live = [s for s in live if abs(slope - s * claimed) <= abs(s) * allowed]
        if not live:
            return CheckResult.fail(
                f"{what} is not equal to the loss's slope along random direction {number} of {len(directions)} "
                f"within rtol=0, atol={allowed:.2g} ({settings.direction_tol:g} * ||{what}||; step h={h:g})\n"
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
