"""Contract checks for a loss op: scalar output, adjoint shapes, zero adjoints, and linearity in dout."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from autograder.checks.compare import ARRAY_TOLERANCE, describe, precision, shape_of
from autograder.checks.result import CheckResult

DOUTS = (1.0, 0.37, -2.5, 0.0)


def check_scalar(value, *, what: str = "the loss") -> CheckResult:
    """A Python float or int, a numpy scalar or a 0-d array of real numbers; `np.ndim` must be 0."""
    if isinstance(value, bool) or shape_of(value) != ():
        shape = shape_of(value)
        return CheckResult.fail(
            f"{what} should be a scalar (np.ndim == 0), but came back as {describe(value)}.",
            shape=shape,
        )
    kind = np.asarray(value).dtype.kind
    if kind not in "iuf":
        return CheckResult.fail(f"{what} should be a real number, but came back as {describe(value)}.")
    return CheckResult.ok()


def check_pair(value, *, what: str = "backward", names: str = "(dx, dy)") -> CheckResult:
    """`backward` returns one adjoint per input: a tuple or list of exactly two items."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return CheckResult.ok()
    return CheckResult.fail(f"{what} should return a pair {names}, but returned {describe(value)}.")


def check_like(value, like: np.ndarray, *, what: str = "dx", of: str = "x") -> CheckResult:
    """An adjoint: a floating-point np.ndarray with the same shape as the input it belongs to."""
    if not isinstance(value, np.ndarray):
        return CheckResult.fail(f"{what} should be an array shaped like {of} {like.shape}, but came back as {describe(value)}.")
    if value.shape != like.shape:
        return CheckResult.fail(
            f"{what} has shape {value.shape}; it must have the shape of {of}, {like.shape}.",
            shape=value.shape, expected_shape=like.shape,
        )
    if value.dtype.kind != "f":
        return CheckResult.fail(f"{what} has dtype {value.dtype}; it must be a floating-point array.", dtype=str(value.dtype))
    if not np.isfinite(value).all():
        return CheckResult.fail(f"{what} contains nan or inf on ordinary inputs.", nonfinite=True)
    return CheckResult.ok()


def check_nonzero(value: np.ndarray, *, what: str = "dx") -> CheckResult:
    """A gradient that is identically zero passes every consistency check, so demand some signal."""
    if isinstance(value, np.ndarray) and value.size and not np.any(value):
        return CheckResult.fail(
            f"{what} is all zeros. On random inputs the true {what} is never zero everywhere, so a "
            "placeholder earns no gradient points: compute the real gradient.",
            bug="placeholder-output",
        )
    return CheckResult.ok()


def check_zero(value, like: np.ndarray, *, what: str = "dy", of: str = "y") -> CheckResult:
    """An adjoint that must vanish: 0, 0.0, a 0-d zero, or zeros shaped like its input."""
    if value is None or isinstance(value, bool):
        return CheckResult.fail(f"{what} should be 0 (integer labels get no gradient), but came back as {value!r}.")
    shape = shape_of(value)
    if shape is None:
        return CheckResult.fail(f"{what} should be 0 or zeros shaped like {of} {like.shape}, but came back as {describe(value)}.")
    if shape not in ((), like.shape):
        return CheckResult.fail(f"{what} should be 0 or zeros shaped like {of} {like.shape}, but has shape {shape}.")
    array = np.asarray(value)
    if array.dtype.kind not in "iuf" or np.any(array != 0):
        return CheckResult.fail(f"{what} should be 0 (integer labels get no gradient), but it is not zero.")
    return CheckResult.ok()


def check_dout_scaling(
    backward: Callable, *, douts=DOUTS, zero_like: np.ndarray | None = None, what: str = "dx",
    like: np.ndarray | None = None, backward_many: Callable[[list], Iterable] | None = None,
) -> CheckResult:
    """`backward(dout)` returns (dx, *others): dx(dout) == dout * dx(1) for dout as a float and as a 0-d array.

    `like` is the input that dx belongs to: its shape is checked before any conversion, and its
    dtype sets the tolerance (float64 when not given). With `zero_like`, the second adjoint must be
    zero at every dout. The check calls `backward` 2 * len(douts) times, or `backward_many` once with
    every dout in order; `details["ignores_dout"]` is set when dx did not change with dout.
    """
    tolerance = ARRAY_TOLERANCE[precision(like)]
    base = None
    cases = [(dout, form, given) for dout in douts
             for form, given in (("a float", float(dout)), ("a 0-d array", np.array(dout, dtype=np.float64)))]
    givens = [given for _, _, given in cases]
    outs = iter(backward_many(givens)) if backward_many is not None else map(backward, givens)
    for dout, form, _ in cases:
        out = next(outs)
        pair = check_pair(out)
        if not pair.passed:
            return pair
        dx = out[0]
        if not isinstance(dx, np.ndarray) or dx.dtype.kind != "f":
            return CheckResult.fail(f"with dout = {dout!r} given as {form}, {what} came back as {describe(dx)}.")
        expected_shape = like.shape if like is not None else (base.shape if base is not None else dx.shape)
        if dx.shape != expected_shape:
            return CheckResult.fail(
                f"with dout = {dout!r} given as {form}, {what} has shape {dx.shape}; it must have the shape "
                f"{expected_shape}."
            )
        if zero_like is not None:
            zero = check_zero(out[1], zero_like)
            if not zero.passed:
                return CheckResult.fail(f"with dout = {dout!r} given as {form}, {zero.message}")
        if base is None:
            base = dx.astype(np.float64) / dout if dout else None
            if base is None:
                return CheckResult.fail("check_dout_scaling needs a nonzero first dout")
            continue
        expected = dout * base
        got = dx.astype(np.float64)
        atol = tolerance.atol_scale * float(np.abs(base).max(initial=0.0)) * max(abs(dout), 1.0)
        diff = np.abs(got - expected)
        if np.all(diff <= atol + tolerance.rtol * np.abs(expected)):
            continue
        ignores = bool(dout != douts[0] and np.allclose(got, base * douts[0], rtol=1e-6, atol=atol))
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
        return CheckResult.fail(
            f"backward must return dout * d(loss)/dx: with dout = {dout!r} given as {form}, {what} should be "
            f"{dout!r} times {what} at dout = {douts[0]!r}, within rtol={tolerance.rtol:g}, atol={atol:.2g}.\n"
            + ("It did not change at all when dout changed.\n" if ignores else "")
            + f"Worst at index {worst}: got {got[worst]:.6g}, expected {expected[worst]:.6g}.",
            dout=dout, form=form, ignores_dout=ignores, index=worst,
        )
    return CheckResult.ok()
