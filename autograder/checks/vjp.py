"""Finite-difference checks of a vector-Jacobian product: an op with several inputs and an array output.

For `forward(*inputs) -> out` and its adjoints `(a_1, ..., a_k) = backward(*inputs, dout)`, the chain
rule says `<dout, d out / d x_k . u> = <a_k, u>` for every direction u. The check estimates the left
side by central differences, `<dout, (f(.., x_k + h u, ..) - f(.., x_k - h u, ..)) / 2h>`, and compares
it with the right side for each input in turn: along a few Gaussian directions drawn from the caller's
rng, or along every entry of a small input (then the failure names the worst entry, as numpy does).

The tolerance scales with the adjoint as a whole (`tol * ||a_k|| * ||u|| / sqrt(u.size)`, about
`tol * ||a_k||` for a Gaussian u), never entry by entry, plus an estimate of the rounding noise of
the difference quotient itself (`8 eps ||dout * f|| / 2h`, the outputs' rounding errors added like
independent errors). Steps and tolerances follow the dtype of the inputs the parent built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from autograder.checks.compare import describe, precision
from autograder.checks.result import CheckResult


@dataclass(frozen=True)
class VjpSettings:
    """The step h and the tolerance (a fraction of the adjoint's size) for one precision."""

    h: float
    tol: float


SETTINGS = {
    # float64: a correct Linear or ReLU agrees to about 1e-10 of ||a||; a 0.1% error is 1e-3.
    "float64": VjpSettings(h=1e-5, tol=1e-6),
    # float32: rounding at h = 1e-5 swamps the slope; h = 1e-2 keeps correct code well inside 5e-3.
    "float32": VjpSettings(h=1e-2, tol=5e-3),
}


def settings_for(*inputs) -> VjpSettings:
    return SETTINGS[precision(*inputs)]


class _BadOutput(Exception):
    def __init__(self, message: str):
        self.message = message


def check_vjp(
    forward: Callable[..., np.ndarray], inputs: Sequence[np.ndarray], dout: np.ndarray,
    adjoints: Sequence[np.ndarray], *, names: Sequence[str], rng: np.random.Generator | None = None,
    directions: int = 3, every_entry: bool = False, wrt: Sequence[int] | None = None,
    settings: VjpSettings | None = None, op: str = "forward",
) -> CheckResult:
    """Each adjoint `adjoints[k]` against central differences of `forward` along input k.

    `names` names the inputs ("x", "W", "b"); the adjoints are called "dx", "dW", "db". `wrt`
    restricts the check to some inputs (default: every floating-point input). With `every_entry`
    each entry of each input is perturbed (2 * size calls of forward per input); otherwise
    `directions` Gaussian directions are drawn from `rng` (2 calls each).
    """
    inputs = tuple(np.asarray(x) for x in inputs)
    dout = np.asarray(dout, dtype=np.float64)
    if len(adjoints) != len(inputs) or len(names) != len(inputs):
        raise ValueError("check_vjp needs one adjoint and one name per input")
    checked = tuple(range(len(inputs))) if wrt is None else tuple(wrt)
    checked = tuple(k for k in checked if inputs[k].dtype.kind == "f")
    if not every_entry and rng is None:
        raise ValueError("check_vjp needs an rng for random directions")
    settings = settings or settings_for(*inputs)
    for k in checked:
        result = _check_one(forward, inputs, dout, adjoints[k], k, names, rng, directions, every_entry, settings, op)
        if not result.passed:
            return result
    return CheckResult.ok()


def _check_one(forward, inputs, dout, adjoint, k, names, rng, directions, every_entry, settings, op) -> CheckResult:
    name, what = names[k], f"d{names[k]}"
    x = inputs[k]
    if not isinstance(adjoint, np.ndarray) or adjoint.shape != x.shape:
        return CheckResult.fail(
            f"{what} should be an array of {name}'s shape {x.shape} for the finite-difference check, "
            f"but came back as {describe(adjoint)}.", input=name)
    a = adjoint.astype(np.float64)
    eps = float(np.finfo(np.result_type(x.dtype, np.float32)).eps)  # of the arithmetic the inputs invite
    if not np.isfinite(a).all():
        return CheckResult.fail(f"{what} contains nan or inf on ordinary inputs.", input=name, nonfinite=True)

    def slope(u: np.ndarray) -> tuple[float, float, float]:
        """(numeric <dout, df>, analytic <a, du>, rounding noise), each divided by 2h."""
        base = x.astype(np.float64)
        plus, minus = (base + settings.h * u).astype(x.dtype), (base - settings.h * u).astype(x.dtype)
        f_plus = _output(forward, inputs, k, plus, dout.shape, op)
        f_minus = _output(forward, inputs, k, minus, dout.shape, op)
        step = plus.astype(np.float64) - minus.astype(np.float64)
        numeric = float(np.vdot(dout, f_plus - f_minus)) / (2 * settings.h)
        analytic = float(np.vdot(a, step)) / (2 * settings.h)
        # Rounding errors of the outputs are independent, so they add up like a random walk, not in the worst case.
        noise = 8 * eps * float(np.sqrt(np.vdot(dout ** 2, f_plus ** 2 + f_minus ** 2))) / (2 * settings.h)
        return numeric, analytic, noise

    try:
        if every_entry:
            return _every_entry(slope, a, name, what, settings, op)
        return _directions(slope, a, x.shape, name, what, rng, directions, settings, op)
    except _BadOutput as bad:
        return CheckResult.fail(bad.message, input=name)


def _output(forward, inputs, k, moved, shape, op) -> np.ndarray:
    args = list(inputs)
    args[k] = moved
    out = forward(*args)
    if not isinstance(out, np.ndarray) or out.shape != shape or out.dtype.kind not in "fiu":
        raise _BadOutput(f"the finite-difference check needs {op} to return an array of dout's shape {shape}, "
                         f"but it returned {describe(out)}.")
    out = out.astype(np.float64)
    if not np.isfinite(out).all():
        raise _BadOutput(f"{op} returned nan or inf near ordinary inputs, so its derivative cannot be estimated.")
    return out


def _directions(slope, a, shape, name, what, rng, count, settings, op) -> CheckResult:
    size = max(int(np.prod(shape)), 1)
    for number in range(1, count + 1):
        u = rng.standard_normal(shape)
        numeric, analytic, noise = slope(u)
        allowed = settings.tol * float(np.linalg.norm(a)) * float(np.linalg.norm(u)) / np.sqrt(size) + noise
        if not abs(numeric - analytic) <= allowed:
            return CheckResult.fail(
                f"{what} disagrees with central differences of {op} along random direction {number} of {count} "
                f"(h={settings.h:g}; up to {allowed:.2g} allowed, {settings.tol:g} * ||{what}||)\n"
                f"<dout, ({op}({name} + h*u) - {op}({name} - h*u)) / 2h> = {numeric:.6g}, but <{what}, u> = "
                f"{analytic:.6g} (difference {abs(numeric - analytic):.3g})",
                input=name, numeric=numeric, analytic=analytic, ratio=numeric / analytic if analytic else None,
            )
    return CheckResult.ok()


def _every_entry(slope, a, name, what, settings, op) -> CheckResult:
    numeric = np.empty(a.shape)
    noise = np.empty(a.shape)
    for index in np.ndindex(a.shape):
        u = np.zeros(a.shape)
        u[index] = 1.0
        numeric[index], _, noise[index] = slope(u)
    diff = np.abs(numeric - a)
    allowed = settings.tol * float(np.abs(a).max(initial=0.0)) + noise
    mismatch = diff > allowed
    if not mismatch.any():
        return CheckResult.ok()
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff - allowed)), a.shape))
    count = int(mismatch.sum())
    ratio = float(np.vdot(numeric, a) / np.vdot(a, a)) if np.any(a) else None
    return CheckResult.fail(
        f"{what} disagrees with central differences of {op}, entry by entry (h={settings.h:g}; "
        f"{settings.tol:g} * max|{what}| allowed)\n"
        f"Mismatched elements: {count} / {a.size} ({100 * count / a.size:.3g}%)\n"
        f"Greatest difference at index {worst} (up to {allowed[worst]:.2g} allowed): {what} gives {a[worst]:.6g}, "
        f"finite differences give {numeric[worst]:.6g}",
        input=name, index=worst, numeric=numeric, analytic=a, ratio=ratio,
    )
