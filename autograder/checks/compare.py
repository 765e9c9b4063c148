"""Parity with a reference: tolerances chosen by the inputs' precision, failures worded like numpy's assert_allclose.

The tolerance follows the dtype of the inputs the parent built (`inputs=`), never the dtype of the
answer: an answer cast to float32 for float64 inputs is held to the float64 tolerance, and the
failure says so. Every conversion of an answer happens after its shape and dtype kind are checked,
so an oversized reply is refused before it is widened to float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograder.checks.result import CheckResult


@dataclass(frozen=True)
class Tolerance:
    """`|got - expected| <= atol + rtol * |expected|`; atol is `atol_scale * max|expected|` (or `atol_floor`)."""

    rtol: float
    atol_scale: float
    atol_floor: float = 0.0

    def atol_for(self, expected: np.ndarray) -> float:
        finite = np.abs(expected[np.isfinite(expected)]) if expected.size else expected
        scale = float(finite.max()) if finite.size else 0.0
        return max(self.atol_scale * scale, self.atol_floor)


# Calibrated in ASSIGNMENT.md: a correct float64 implementation's dx agrees to ~1e-13 relative,
# a float32 one to ~1e-7 of max|dx|.
SCALAR_TOLERANCE = {"float64": Tolerance(1e-10, 0.0, 1e-10), "float32": Tolerance(1e-5, 0.0, 1e-5)}
ARRAY_TOLERANCE = {"float64": Tolerance(1e-7, 1e-9), "float32": Tolerance(1e-5, 1e-5)}


def precision(*values) -> str:
    """"float32" if any value carries 32 bits or fewer of floating point, else "float64".

    Call it on the inputs the parent built, never on what the student returned.
    """
    for value in values:
        dtype = getattr(value, "dtype", None)
        if dtype is not None and dtype.kind in "fc" and dtype.itemsize <= (4 if dtype.kind == "f" else 8):
            return "float32"
    return "float64"


def shape_of(value) -> tuple[int, ...] | None:
    """The shape of an answer without converting it: an array's shape, () for a number, None for anything else.

    `np.shape` would build an array from a list first, which can widen it, or raise on a ragged one.
    """
    if isinstance(value, np.ndarray):
        return value.shape
    if isinstance(value, (np.generic, int, float)):
        return ()
    return None


def describe(value) -> str:
    """A short description of what came back, never its full contents."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, np.generic):
        return f"a numpy {value.dtype} scalar"
    return f"a Python {type(value).__name__}"


def fmt(value) -> str:
    return f"{float(value):.10g}"


def tolerance_header(what: str, against: str, rtol: float, atol: float) -> str:
    """The one wording of a tolerance that every check uses."""
    return f"{what} is not equal to {against} within rtol={rtol:g}, atol={atol:.2g}"


def narrower_note(actual, inputs) -> str:
    """A line for the failure when the answer carries less precision than the inputs it was given."""
    got = getattr(actual, "dtype", None)
    if inputs is None or got is None or got.kind != "f" or precision(inputs) != "float64" or got.itemsize >= 8:
        return ""
    return (f"\nNote: the inputs were float64 but the answer came back as {got}; it is graded at the float64 "
            "tolerance. Compute in the dtype of x and return that dtype.")


def compare_scalar(
    actual, expected, *, what: str = "the loss", tolerance: Tolerance | None = None, against: str = "the reference",
    inputs=None,
) -> CheckResult:
    """A scalar against the reference scalar (relative tolerance, small absolute floor).

    Without `tolerance`, the tolerance is the one for `inputs`' precision (float64 when not given).
    """
    if shape_of(actual) != ():
        return CheckResult.fail(
            f"{what} should be a scalar (np.ndim == 0), but came back as {describe(actual)}.",
            shape=shape_of(actual),
        )
    got = np.asarray(actual)
    if got.dtype.kind not in "biuf":
        return CheckResult.fail(f"{what} should be a real number, but came back as {describe(actual)}.")
    tolerance = tolerance or SCALAR_TOLERANCE[precision(inputs)]
    g, e = float(got), float(expected)
    atol = max(tolerance.atol_floor, tolerance.atol_scale * abs(e)) if np.isfinite(e) else tolerance.atol_floor
    header = tolerance_header(what, against, tolerance.rtol, atol)
    note = narrower_note(got, inputs)
    if np.isnan(e) and np.isnan(g) or (np.isinf(e) and g == e):
        return CheckResult.ok()
    if not np.isfinite(g) or not np.isfinite(e):
        return CheckResult.fail(f"{header}\ngot {fmt(g)}, expected {fmt(e)}.{note}", got=g, expected=e, nonfinite=True)
    diff = abs(g - e)
    if diff <= atol + tolerance.rtol * abs(e):
        return CheckResult.ok()
    rel = diff / abs(e) if e else float("inf")
    return CheckResult.fail(
        f"{header}\ngot {fmt(g)}, expected {fmt(e)}: absolute difference {diff:.3g}, relative difference {rel:.3g}.{note}",
        got=g, expected=e,
    )


def compare_array(
    actual, expected, *, what: str = "dx", tolerance: Tolerance | None = None, against: str = "the reference",
    inputs=None,
) -> CheckResult:
    """An array against the reference array: shape and dtype first, then nan/inf, then the worst entry.

    Without `tolerance`, the tolerance is the one for `inputs`' precision (float64 when not given).
    """
    expected = np.asarray(expected)
    if not isinstance(actual, np.ndarray):
        return CheckResult.fail(f"{what} should be an array of shape {expected.shape}, but came back as {describe(actual)}.")
    if actual.shape != expected.shape:
        return CheckResult.fail(
            f"{what} has shape {actual.shape}; expected {expected.shape}.", shape=actual.shape,
            expected_shape=expected.shape,
        )
    got = actual
    if got.dtype.kind not in "f":
        return CheckResult.fail(f"{what} has dtype {got.dtype}; expected a floating-point array.", dtype=str(got.dtype))
    tolerance = tolerance or ARRAY_TOLERANCE[precision(inputs)]
    atol = tolerance.atol_for(expected)
    header = tolerance_header(what, against, tolerance.rtol, atol)
    note = narrower_note(got, inputs)
    if got.size == 0:
        return CheckResult.ok()
    g, e = got.astype(np.float64), expected.astype(np.float64)
    for name, bad in (("nan", np.isnan(g) & ~np.isnan(e)), ("inf", np.isinf(g) & (g != e))):
        if bad.any():
            where = _index(np.argwhere(bad)[0])
            return CheckResult.fail(
                f"{header}\n{what} contains {name} at {int(bad.sum())} of {g.size} positions, first at index {where}, "
                f"where {against} is {fmt(e[tuple(np.argwhere(bad)[0])])}.{note}",
                nonfinite=name, count=int(bad.sum()), index=where,
            )
    both = np.isfinite(g) & np.isfinite(e)
    special_ok = np.where(both, True, (np.isnan(g) & np.isnan(e)) | (g == e))
    diff = np.where(both, np.abs(g - e), 0.0)
    allowed = atol + tolerance.rtol * np.abs(np.where(both, e, 0.0))
    mismatch = (diff > allowed) | ~special_ok
    if not mismatch.any():
        return CheckResult.ok()
    if not special_ok.all():
        where = np.argwhere(~special_ok)[0]
        return CheckResult.fail(
            f"{header}\nat index {_index(where)}: got {fmt(g[tuple(where)])}, expected {fmt(e[tuple(where)])}.{note}",
            index=_index(where),
        )
    worst = np.unravel_index(int(np.argmax(diff - allowed)), diff.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(mismatch & (e != 0), diff / np.abs(e), np.where(mismatch, np.inf, 0.0))
    worst_rel = np.unravel_index(int(np.argmax(rel)), rel.shape)
    count = int(mismatch.sum())
    return CheckResult.fail(
        f"{header}\n"
        f"Mismatched elements: {count} / {g.size} ({100 * count / g.size:.3g}%)\n"
        f"Greatest absolute difference: {diff[worst]:.3g} at index {_index(worst)} "
        f"(up to {allowed[worst]:.2g} allowed): got {fmt(g[worst])}, expected {fmt(e[worst])}\n"
        f"Greatest relative difference: {rel[worst_rel]:.3g} at index {_index(worst_rel)}{note}",
        mismatched=count, index=_index(worst),
    )


def _index(where) -> tuple[int, ...]:
    return tuple(int(i) for i in where)
