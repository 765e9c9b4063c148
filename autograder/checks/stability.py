"""The battery of hard inputs that separates stable from naive softmax cross-entropy, with exact answers.

Every probe is a public fact (ASSIGNMENT.md lists them), so the values are fixed, not seeded. The
exact losses and gradients were computed with mpmath at 60 digits (tests/checks/test_stability.py
recomputes them). `check_probe` runs one probe through any `forward(x, y)` / `backward(x, y, dout)`
pair, so another softmax-style assignment can reuse the runner with its own probes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from autograder.checks.compare import ARRAY_TOLERANCE, SCALAR_TOLERANCE, Tolerance, compare_array, compare_scalar, precision
from autograder.checks.contract import check_pair
from autograder.checks.result import CheckResult

F32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Probe:
    """One hard input and its exact mean loss and gradient (for dout = 1)."""

    name: str
    family: str
    x: np.ndarray
    y: np.ndarray
    loss: float
    dx: np.ndarray
    why: str

    def describe(self) -> str:
        rows = "; ".join("[" + ", ".join(_short(v) for v in row) + "]" for row in self.x)
        return f"x = [{rows}] ({self.x.dtype}), y = {self.y.tolist()}"


def _short(value) -> str:
    value = float(value)
    if value == F32_MAX:
        return "float32 max"
    return f"{value:g}"


def _probe(name, family, x, y, loss, dx, why, dtype=np.float64) -> Probe:
    x = np.asarray(x, dtype=dtype)
    x.setflags(write=False)
    y = np.asarray(y, dtype=np.int64)
    y.setflags(write=False)
    dx = np.asarray(dx, dtype=np.float64)
    dx.setflags(write=False)
    return Probe(name, family, x, y, float(loss), dx, why)


def _big(value):
    row = [value, 0.0, -value]
    return [row] * 4, [0, 1, 2, 1]


_STEP = [[0.0, 0.0, 0.0], [0.25, -0.25, 0.0], [0.25, 0.0, -0.25], [0.25, -0.25, 0.0]]
_E = [[0.04501528658519023, 0.12236423552739882, -0.16737952211258905],
      [-0.16737952211258905, 0.12236423552739882, 0.04501528658519023]]
_THIRD, _SIXTH = 1 / 3, 1 / 6

BATTERY: tuple[Probe, ...] = (
    _probe("logits of 1e4", "large", *_big(1e4), 1e4, _STEP,
           "exp(1e4) overflows: shift each row by its max before exponentiating"),
    _probe("logits of 1e30", "large", *_big(1e30), 1e30, _STEP,
           "exp(1e30) overflows: shift each row by its max before exponentiating"),
    _probe("float32 max logits", "large", [[F32_MAX, 0.0, 1.0]] * 2, [0, 1], F32_MAX / 2,
           [[0.0, 0.0, 0.0], [0.5, -0.5, 0.0]], "the largest float32 must not overflow", dtype=np.float32),
    _probe("-inf at a non-target", "extreme", [[0.0, -np.inf, 1.0]], [0], 1.3132616875182228,
           [[-0.7310585786300049, 0.0, 0.7310585786300049]],
           "a class with logit -inf has probability 0; the loss stays finite"),
    _probe("rows 800 apart", "extreme", [[0, 1, 2], [-800, -801, -802]], [2, 0], 0.4076059644443803,
           _E,
           "each row needs its own max: shifting by the global max underflows the second row"),
    _probe("[0, 800] with y = 0", "extreme", [[0.0, 800.0]], [0], 800.0, [[-1.0, 1.0]],
           "the target's probability underflows to 0, so log(softmax) gives inf; x_y - logsumexp(x) does not"),
    _probe("[-1000, -1000, -1000]", "extreme", [[-1000.0] * 3] * 2, [0, 2], 1.0986122886681098,
           [[-_THIRD, _SIXTH, _SIXTH], [_SIXTH, _SIXTH, -_THIRD]],
           "every exp underflows to 0 without a shift, and 0/0 is nan"),
    _probe("float32 logits near 88", "float32", [[88.5, 89.0, 0.0], [100.0, 0.0, 50.0]], [1, 0], 0.23703849209005334,
           [[0.18877033439907273, -0.18877033439907273, 6.932216165093797e-40],
            [-9.643749239819589e-23, 1.860037988010418e-44, 9.643749239819589e-23]],
           "exp overflows above 88.72 in float32", dtype=np.float32),
    _probe("float32 logits near -104", "float32", [[-105.0, -106.0, -107.0], [-104.0, -104.5, -120.0]], [1, 2],
           8.940841509336527,
           [[0.33262047788741095, -0.37763576447260117, 0.04501528658519023],
            [0.31122964379973594, 0.18877032117598175, -0.49999996497571764]],
           "exp underflows below -103.97 in float32", dtype=np.float32),
)


def battery(family: str | None = None) -> tuple[Probe, ...]:
    """The cross-entropy battery, or one family of it: "large", "extreme" or "float32"."""
    return tuple(p for p in BATTERY if family is None or p.family == family)


def loss_tolerance(probe: Probe, result) -> Tolerance:
    """Relative tolerance by precision; the absolute floor grows with the logits (cancellation in x_y - lse)."""
    prec = precision(probe.x, result)
    eps = float(np.finfo(np.float32 if prec == "float32" else np.float64).eps)
    finite = np.abs(probe.x[np.isfinite(probe.x)]).astype(np.float64)
    base = SCALAR_TOLERANCE[prec]
    return Tolerance(base.rtol, 0.0, max(base.atol_floor, 8 * eps * float(finite.max(initial=1.0))))


def check_probe(
    forward: Callable | None, backward: Callable | None, probe: Probe, *, loss_name: str = "the loss"
) -> CheckResult:
    """Forward gives the exact loss and backward the exact gradient on one hard input."""
    where = f"On the stability probe \"{probe.name}\" ({probe.describe()})"
    if forward is not None:
        loss = forward(probe.x, probe.y)
        result = compare_scalar(loss, probe.loss, what=loss_name, tolerance=loss_tolerance(probe, loss),
                                against="the exact value")
        if not result.passed:
            return CheckResult.fail(f"{where}:\n{result.message}\nWhy it matters: {probe.why}.",
                                    probe=probe.name, stage="forward", **result.details)
    if backward is not None:
        out = backward(probe.x, probe.y, 1.0)
        pair = check_pair(out)
        if not pair.passed:
            return CheckResult.fail(f"{where}: {pair.message}", probe=probe.name, stage="backward")
        result = compare_array(out[0], probe.dx, what="dx", tolerance=ARRAY_TOLERANCE[precision(probe.x, out[0])],
                               against="the exact value")
        if not result.passed:
            return CheckResult.fail(f"{where}:\n{result.message}\nWhy it matters: {probe.why}.",
                                    probe=probe.name, stage="backward", **result.details)
    return CheckResult.ok()


def check_battery(forward: Callable | None, backward: Callable | None, probes=BATTERY) -> CheckResult:
    """Every probe in turn; the first failure is returned."""
    for probe in probes:
        result = check_probe(forward, backward, probe)
        if not result.passed:
            return result
    return CheckResult.ok()
