"""Contracts for an op's backward: one adjoint per input shaped like it, and linearity in an array-valued dout.

`backward(*inputs, dout)` returns `(a_1, ..., a_k)`, one adjoint per input, each a floating-point
array of its input's shape (for a single input, the bare array is accepted too). `dout` has the shape
of the op's output, and backward is linear in it: `backward(s * dout) == s * backward(dout)` and
`backward(d1 + d2) == backward(d1) + backward(d2)`. These checks look at the submission alone, so a
grader pays for them only when the forward they belong to has been checked against the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograder.checks.compare import ARRAY_TOLERANCE, describe, precision
from autograder.checks.result import CheckResult

SCALES = (2.0, -1.0, 0.37)


def as_adjoints(value, count: int):
    """The adjoints as a tuple, or None when `value` is not `count` of them (a bare array counts as one)."""
    if count == 1 and isinstance(value, np.ndarray):
        return (value,)
    if isinstance(value, (tuple, list)) and len(value) == count:
        return tuple(value)
    return None


def check_output(value, shape: tuple[int, ...], *, what: str = "forward", dtype=None) -> CheckResult:
    """An op's output: a floating-point np.ndarray of exactly `shape` (the shape dout will have)."""
    if not isinstance(value, np.ndarray):
        return CheckResult.fail(f"{what} should return an array of shape {shape}, but returned {describe(value)}.",
                                shape=np.shape(value), expected_shape=shape)
    if value.shape != shape:
        return CheckResult.fail(f"{what} returned shape {value.shape}; expected {shape}.",
                                shape=value.shape, expected_shape=shape)
    if value.dtype.kind != "f":
        return CheckResult.fail(f"{what} returned dtype {value.dtype}; expected a floating-point array.",
                                dtype=str(value.dtype))
    if dtype is not None and value.dtype != np.dtype(dtype):
        return CheckResult.fail(f"{what} returned dtype {value.dtype} for {np.dtype(dtype)} inputs; keep the inputs' "
                                "dtype (build every intermediate from the inputs).", dtype=str(value.dtype))
    if not np.isfinite(value).all():
        return CheckResult.fail(f"{what} returned nan or inf on ordinary inputs.", nonfinite=True)
    return CheckResult.ok()


def check_adjoints(value, inputs: Sequence[np.ndarray], *, names: Sequence[str], what: str = "backward") -> CheckResult:
    """One adjoint per input, in order, each a finite floating-point array with its input's shape."""
    expected = "(" + ", ".join(f"d{n}" for n in names) + ")"
    adjoints = as_adjoints(value, len(inputs))
    if adjoints is None:
        wanted = f"d{names[0]}, an array" if len(inputs) == 1 else f"a tuple of {len(inputs)} adjoints {expected}"
        return CheckResult.fail(f"{what} should return {wanted}, one per input, but returned {describe(value)}.",
                                returned=describe(value))
    for name, adjoint, x in zip(names, adjoints, inputs):
        x = np.asarray(x)
        if not isinstance(adjoint, np.ndarray):
            return CheckResult.fail(f"d{name} should be an array shaped like {name} {x.shape}, but came back as "
                                    f"{describe(adjoint)}.", input=name)
        if adjoint.shape != x.shape:
            return CheckResult.fail(
                f"d{name} has shape {adjoint.shape}; it must have the shape of {name}, {x.shape}.",
                input=name, shape=adjoint.shape, expected_shape=x.shape)
        if adjoint.dtype.kind != "f":
            return CheckResult.fail(f"d{name} has dtype {adjoint.dtype}; it must be a floating-point array.",
                                    input=name, dtype=str(adjoint.dtype))
        if not np.isfinite(adjoint).all():
            return CheckResult.fail(f"d{name} contains nan or inf on ordinary inputs.", input=name, nonfinite=True)
    return CheckResult.ok()


def check_linearity(
    backward: Callable[[np.ndarray], object], dout: np.ndarray, other: np.ndarray, *, names: Sequence[str],
    inputs: Sequence[np.ndarray], scales: Sequence[float] = SCALES,
) -> CheckResult:
    """`backward(dout)` (the inputs bound) is linear in dout: scaling and adding douts scales and adds adjoints.

    `other` is a second dout of the same shape. Calls backward `len(scales) + 3` times. On failure,
    `details["ignores_dout"]` says the adjoint did not change with dout, and `details["scale"]` which
    dout broke it (`"sum"` for additivity).
    """
    dout, other = np.asarray(dout), np.asarray(other)
    base = _adjoints(backward, dout, inputs, names, "dout")
    if isinstance(base, CheckResult):
        return base
    tolerance = ARRAY_TOLERANCE[precision(*inputs, dout)]
    cases = [(scale, f"{scale:g} * dout", (scale * dout).astype(dout.dtype),
              tuple(scale * a for a in base)) for scale in scales]
    second = _adjoints(backward, other, inputs, names, "a second dout")
    if isinstance(second, CheckResult):
        return second
    cases.append(("sum", "dout + dout2", (dout + other).astype(dout.dtype), tuple(a + b for a, b in zip(base, second))))
    for scale, label, given, expected in cases:
        got = _adjoints(backward, given, inputs, names, label)
        if isinstance(got, CheckResult):
            return got
        for name, g, e, b in zip(names, got, expected, base):
            atol = tolerance.atol_scale * max(float(np.abs(b).max(initial=0.0)), float(np.abs(e).max(initial=0.0)))
            diff = np.abs(g - e)
            if np.all(diff <= atol + tolerance.rtol * np.abs(e)):
                continue
            ignores = bool(np.allclose(g, b, rtol=1e-7, atol=atol)) and not np.allclose(e, b, rtol=1e-7, atol=atol)
            worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)) if diff.size else ()
            head = (f"backward must be linear in dout: with {label}, d{name} should be "
                    + (f"{scale:g} times d{name} at dout" if scale != "sum" else f"d{name} at dout plus d{name} at dout2")
                    + f" (rtol={tolerance.rtol:g}, atol={atol:.2g}).\n")
            return CheckResult.fail(
                head + ("It did not change at all when dout changed.\n" if ignores else "")
                + f"Greatest difference at index {worst}: got {g[worst]:.6g}, expected {e[worst]:.6g}.",
                input=name, scale=scale, ignores_dout=ignores, index=worst,
            )
    return CheckResult.ok()


def _adjoints(backward, dout, inputs, names, label):
    """The adjoints at this dout as float64 arrays, or the failed contract (said with which dout)."""
    value = backward(dout)
    result = check_adjoints(value, inputs, names=names)
    if not result.passed:
        return CheckResult.fail(f"with {label}: {result.message}", **result.details)
    return tuple(a.astype(np.float64) for a in as_adjoints(value, len(inputs)))
