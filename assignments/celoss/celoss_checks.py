"""Visible checks for the celoss assignment: public inputs, exact answers, diagnosis from behaviour; never graded.

Used one line at a time from celoss.ipynb (`checks.check_forward(CELoss)`), by `python celoss.py`
(`run_all`), and by the test cells under `nbgrader validate` (`validate`). It imports only numpy and holds
no hidden input: every input below is printed in the notebook or in the assignment's text. The hidden
graders use other inputs of the same kinds, with the same tolerances, so code that passes here and is
correct in general gets full marks; these checks cannot promise it, and they award nothing.
"""

from __future__ import annotations

import contextlib
import io
import sys
import textwrap
import warnings
from dataclasses import dataclass

import numpy as np

# ----------------------------------------------------------------------------------------------------
# Public inputs and their exact answers (float64, dout = 1), and what each known mistake gives on them.


def read_only(values, dtype=np.float64):
    """A read-only array: writing into an input raises, as it does under the graders."""
    array = np.array(values, dtype=dtype)
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Case:
    """A public input with its exact loss and dx, and the loss each forward misconception gives on it."""

    name: str
    x: np.ndarray
    y: np.ndarray
    loss: float
    dx: np.ndarray
    wrong_losses: tuple[tuple[str, float], ...]


WORKED = Case(
    "the worked example (N=3, C=4)",
    read_only([[1, 2, 3, 0.5], [-1, 0, 4, 2], [0.3, 0.3, -2, 1]]), read_only([2, 0, 3], np.int64),
    2.1079757563682535,
    read_only([[0.028456297836596298, 0.07735223731443816, -0.1230681522508444, 0.017259617099809936],
               [-0.3313977905228243, 0.005261350850011224, 0.2872600230859237, 0.03887641658688938],
               [0.08102391769820119, 0.08102391769820119, 0.008123364302313264, -0.17017119969871564]]),
    (("sum-not-mean", 6.323927269104761), ("mean-over-classes", 0.5269939390920634),
     ("missing-minus", -2.1079757563682535), ("label-offset", 2.4413090897015866),
     ("label-offset", 2.841309089701587), ("index-broadcast", 2.1301979785904757),
     ("wrong-axis", 1.7563995134072934), ("wrong-axis", 1.9401858939903498)),
)
SPARSE = Case(
    "a batch whose labels miss classes 2 and 4 (N=6, C=5)",
    read_only([[0.5, -1.2, 2.0, 0.3, -0.7], [1.5, 0.2, -0.4, -2.1, 0.9], [-0.3, 2.2, 0.8, -1.0, 0.1],
               [2.4, -0.6, 0.0, 1.1, -1.8], [-1.5, 0.7, 1.3, 0.4, 2.6], [0.2, -0.9, -1.7, 2.8, 0.6]]),
    read_only([0, 3, 1, 0, 3, 1], np.int64),
    2.2501227834903346,
    read_only([[-0.14210013413947697, 0.004487900735823147, 0.11009956032321067, 0.020113375676500768,
                0.0073992974039423795],
               [0.0834069077845157, 0.022731034129936607, 0.01247505603095967, -0.16438767946817562,
                0.045774681522763656],
               [0.00917007014522037, -0.0549523425032923, 0.027548413167476558, 0.004553722068852791,
                0.013680137121742614],
               [-0.049955962023456646, 0.005810683831333073, 0.010587756252197145, 0.03180737760267709,
                0.001750144337249339],
               [0.0017826104621181992, 0.01608808348484924, 0.029314399379995852, -0.1547483212852417,
                0.10756322795827844],
               [0.010139107067296864, -0.16329165110944469, 0.0015164922442060516, 0.13651028146291916,
                0.015125770335022612]]),
    (("sum-not-mean", 13.500736700942007), ("mean-over-classes", 0.4500245566980669),
     ("missing-minus", -2.2501227834903346), ("label-offset", 2.9501227834903347),
     ("label-offset", 2.5334561168236682), ("index-broadcast", 2.40567833904589),
     ("wrong-axis", 2.480656435156181), ("wrong-axis", 2.327541629290121)),
)

F32_MAX = float(np.finfo(np.float32).max)
_THIRD, _SIXTH = 1 / 3, 1 / 6
_STEP = [[0.0, 0.0, 0.0], [0.25, -0.25, 0.0], [0.25, 0.0, -0.25], [0.25, -0.25, 0.0]]


@dataclass(frozen=True)
class Probe:
    """A hard input from the assignment's text, with its exact mean loss and dx."""

    name: str
    x: np.ndarray
    y: np.ndarray
    loss: float
    dx: np.ndarray


def _probe(name, x, y, loss, dx, dtype=np.float64) -> Probe:
    return Probe(name, read_only(x, dtype), read_only(y, np.int64), float(loss), read_only(dx))


def _big(value):
    return [[value, 0.0, -value]] * 4, [0, 1, 2, 1]


PROBES = (
    _probe("logits of 1e4", *_big(1e4), 1e4, _STEP),
    _probe("logits of 1e30", *_big(1e30), 1e30, _STEP),
    _probe("float32 max logits", [[F32_MAX, 0.0, 1.0]] * 2, [0, 1], F32_MAX / 2,
           [[0.0, 0.0, 0.0], [0.5, -0.5, 0.0]], np.float32),
    _probe("-inf at a non-target", [[0.0, -np.inf, 1.0]], [0], 1.3132616875182228,
           [[-0.7310585786300049, 0.0, 0.7310585786300049]]),
    _probe("rows 800 apart", [[0, 1, 2], [-800, -801, -802]], [2, 0], 0.4076059644443803,
           [[0.04501528658519023, 0.12236423552739882, -0.16737952211258905],
            [-0.16737952211258905, 0.12236423552739882, 0.04501528658519023]]),
    _probe("[0, 800] with y = 0", [[0.0, 800.0]], [0], 800.0, [[-1.0, 1.0]]),
    _probe("[-1000, -1000, -1000]", [[-1000.0] * 3] * 2, [0, 2], 1.0986122886681098,
           [[-_THIRD, _SIXTH, _SIXTH], [_SIXTH, _SIXTH, -_THIRD]]),
    _probe("float32 logits near 88", [[88.5, 89.0, 0.0], [100.0, 0.0, 50.0]], [1, 0], 0.23703849209005334,
           [[0.18877033439907273, -0.18877033439907273, 6.932216165093797e-40],
            [-9.643749239819589e-23, 1.860037988010418e-44, 9.643749239819589e-23]], np.float32),
    _probe("float32 logits near -104", [[-105.0, -106.0, -107.0], [-104.0, -104.5, -120.0]], [1, 2],
           8.940841509336527,
           [[0.33262047788741095, -0.37763576447260117, 0.04501528658519023],
            [0.31122964379973594, 0.18877032117598175, -0.49999996497571764]], np.float32),
)

# (bug, hard x, labels, benign x, labels, loss(hard) / loss(benign)): stable code treats the twins alike.
TWINS = (
    ("no-max-shift", [[-1000.0] * 3], [0], [[0.0] * 3], [0], 1.0),
    ("global-max-shift", [[0, 1, 2], [-800, -801, -802]], [2, 0], [[0, 1, 2], [0, -1, -2]], [2, 0], 1.0),
    ("log-of-softmax", [[0.0, 800.0]], [0], [[0.0, 8.0]], [0], 800.0 / 8.000335406372896),
    ("mask-times-log", [[0.0, -np.inf, 1.0]], [0], [[0.0, -30.0, 1.0]], [0], 1.0),
    ("mask-times-log", [[2.0, 0.0, -np.inf]], [1], [[2.0, 0.0, -30.0]], [1], 1.0),
)
FLOAT32_TWINS = (
    ("no-max-shift", [[-110.0] * 3], [0], [[0.0] * 3], [0], 1.0),
    ("global-max-shift", [[0, 1, 2], [-110, -111, -112]], [2, 0], [[0, 1, 2], [0, -1, -2]], [2, 0], 1.0),
    ("log-of-softmax", [[0.0, 110.0]], [0], [[0.0, 8.0]], [0], 110.0 / 8.000335406372896),
)

# What each misconception is and how to fix it: the public teaching text of the bug catalogue.
MISCONCEPTIONS = {
    "not-scalar": ("forward returns an array (the per-row losses, or shape (1,)) instead of one number",
                   "return the mean over the batch as a scalar, e.g. losses.mean(); np.ndim(loss) must be 0"),
    "sum-not-mean": ("the row losses are added up but not divided by N", "divide the sum by N = x.shape[0]"),
    "mean-over-classes": ("the loss is averaged over all N*C entries, so it is C times too small",
                          "add up only the target entry of each row, then divide by N"),
    "missing-minus": ("the minus sign is missing: the loss is -log p, which is never negative",
                      "the loss of row i is logsumexp(x_i) - x_i[y_i] >= 0"),
    "label-offset": ("the labels are shifted by one (y - 1 or y + 1); numpy wraps the index -1 silently",
                     "the labels are already 0-based classes in [0, C): index with y itself"),
    "index-broadcast": ("the targets are picked with x[:, y], an N x N matrix, instead of one entry per row",
                        "pick one entry per row: x[np.arange(N), y]"),
    "wrong-axis": ("the softmax (or its max or sum) runs over axis 0, across the batch",
                   "reduce over axis=1 with keepdims=True, so each row is normalised over its own classes"),
    "classes-from-labels": ("the number of classes comes from the labels (len(set(y)) or y.max() + 1), which "
                            "breaks when a batch misses a class", "use C = x.shape[1]"),
    "float32": ("the result agrees only to about 1e-7: float32 rounding. x is float64 here, and float64 inputs "
                "are checked at float64 precision", "keep x's dtype: do not convert x (or the result) to float32"),
    "placeholder-output": ("a placeholder (0 or an array of zeros) comes back instead of a computed value",
                           "compute the real loss and gradient"),
    "grad-not-averaged": ("dx is missing the 1/N of the mean, so it is N times too large",
                          "dx = (softmax(x) - onehot(y)) * dout / N"),
    "grad-sign": ("dx has the wrong sign: onehot - softmax instead of softmax - onehot",
                  "dx = (softmax(x) - onehot(y)) * dout / N"),
    "grad-missing-onehot": ("the one-hot of the labels is never subtracted, so each row of dx sums to dout/N, not 0",
                            "subtract 1 at each target on a copy: dx[np.arange(N), y] -= 1"),
    "grad-transposed": ("dx comes back transposed, with shape (C, N)", "return dx with the shape of x, (N, C)"),
    "grad-ignores-dout": ("backward ignores dout, but it must return dout * d(loss)/dx (the chain rule)",
                          "multiply dx by dout once; dout may be a Python float or a 0-d array"),
    "dy-not-zero": ("backward returns a nonzero gradient for the labels",
                    "the labels are integers and get no gradient: return (dx, 0.0)"),
    "no-max-shift": ("the softmax is computed without subtracting a max first, so exp overflows to inf above "
                     "about 709 (88 in float32) or every exp underflows to 0, giving inf or nan",
                     "subtract each row's max m = x.max(axis=1, keepdims=True) before exp"),
    "global-max-shift": ("one max is used for the whole batch (x.max()), so a row far below it still underflows",
                         "shift each row by its own max: x - x.max(axis=1, keepdims=True)"),
    "log-of-softmax": ("the loss takes the log of a softmax probability; when the target's probability "
                       "underflows to 0 that is -log(0) = inf (or, with a clip or an epsilon, a wrong finite "
                       "value), though the exact loss is finite",
                       "compute log p = (x - m) - log(sum(exp(x - m))) directly; never take the log of a probability"),
    "mask-times-log": ("the log-probabilities are multiplied by a one-hot mask; at a logit of -inf that is "
                       "0 * -inf = nan", "pick the target entries by indexing, logp[np.arange(N), y]"),
}

# Tolerances follow the inputs' dtype, as in the graders: (rtol, atol floor, atol as a fraction of max|dx|).
LOSS_TOLERANCE = {"float64": (1e-10, 1e-10), "float32": (1e-5, 1e-5)}
DX_TOLERANCE = {"float64": (1e-7, 1e-9), "float32": (1e-5, 1e-5)}
DOUTS = (0.37, -2.5, 0.0)


# ----------------------------------------------------------------------------------------------------
# Results: each check returns frozen lines; a Report prints them (in a notebook, as the cell's value).


@dataclass(frozen=True)
class Line:
    """One check: PASS, FAIL or TODO; on failure, what came back, the likely misconception and the fix."""

    status: str
    title: str
    got: str = ""
    likely: str = ""
    fix: str = ""

    def render(self, explained: bool = True) -> str:
        """The line; with `explained=False` the likely cause and fix are left to an earlier line."""
        text = f"{self.status:6}{self.title}"
        shown = (("got", self.got), ("likely", self.likely), ("fix", self.fix)) if explained else (("got", self.got),)
        for label, value in shown:
            if value and self.status != "PASS":
                text += f"\n        {label + ':':8}{value}"
        if not explained and (self.likely or self.fix):
            text += "\n        likely: the same as above"
        return text


@dataclass(frozen=True, repr=False)
class Report:
    """The checks of one part. `passed` only when every line passed."""

    title: str
    lines: tuple[Line, ...]
    bonus: bool = False

    @property
    def passed(self) -> bool:
        return all(line.status == "PASS" for line in self.lines)

    @property
    def attempted(self) -> bool:
        return any(line.status != "TODO" for line in self.lines)

    def __str__(self) -> str:
        return self.text()

    def text(self, *, failures_only: bool = False, width: int | None = None) -> str:
        """The report; for a terminal, `failures_only` drops PASS lines and `width` wraps long lines."""
        if failures_only:
            passed = sum(line.status == "PASS" for line in self.lines)
            kept = tuple(line for line in self.lines if line.status != "PASS")
            shown = Report(f"{self.title} ({passed} of {len(self.lines)} checks pass)", kept, self.bonus)
            return shown.text(width=width)
        text = self._text()
        if width is None:
            return text
        return "\n".join(textwrap.fill(row, width, subsequent_indent=" " * (len(row) - len(row.lstrip()) + 8),
                                        break_on_hyphens=False) for row in text.splitlines())

    def _text(self) -> str:
        if self.bonus and not self.attempted:
            return f"{self.title}: not attempted (bonus). Skipping it costs nothing."
        if not self.attempted:
            first = self.lines[0]
            return f"{self.title}:\nTODO  {first.got}: {first.fix}" if self.lines else f"{self.title}: no checks"
        rendered, explained = [f"{self.title}:"], set()
        for line in self.lines:
            cause = (line.likely, line.fix)
            rendered.append(line.render(explained=cause not in explained))
            if line.status != "PASS" and any(cause):
                explained.add(cause)
        return "\n".join(rendered)

    __repr__ = __str__

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


@dataclass(frozen=True)
class Call:
    """What a call into the student's code gave: a value, or the exception it raised."""

    value: object = None
    error: Exception | None = None


def _call(function, *args, **kwargs) -> Call:
    try:
        with np.errstate(all="ignore"):
            return Call(function(*args, **kwargs))
    except Exception as error:  # noqa: BLE001 - the student's code may raise anything
        return Call(error=error)


def _raised(title: str, error: Exception, method: str) -> Line:
    """A line for a call that raised: TODO for the stub, else the error with its specific fix."""
    if isinstance(error, NotImplementedError):
        return Line("TODO", title, got=f"{method} still raises NotImplementedError",
                    fix="write it where the answer cell says YOUR CODE HERE, and delete the raise line")
    message = str(error)
    likely, fix = "", f"call {method} yourself on this input to see the full traceback"
    if "read-only" in message:
        likely = ("your code writes into an input array (x -= m, x[...] = ..., or out=x); the checks, like the "
                  "graders, pass read-only arrays, because the caller's x must not change")
        fix = "make a new array instead: x = x - x.max(axis=1, keepdims=True), or work on x.copy()"
    elif isinstance(error, IndexError) and "too many indices" in message:
        likely = "an array was indexed with more axes than it has, e.g. a 1-D array of row values indexed as [i, j]"
        fix = "print the .shape of each array you index; pick one logit per row with x[np.arange(N), y]"
    elif isinstance(error, IndexError):
        likely = ("an index ran past the end of an axis: labels shifted by one, labels used as row indices, or a "
                  "class count taken from the labels")
        fix = "pick one entry per row with x[np.arange(N), y]; labels are 0-based classes in [0, C), C = x.shape[1]"
    elif "broadcast" in message:
        likely = ("arrays of different shapes were combined: a one-hot matrix sized from the labels, or a row "
                  "statistic taken without keepdims=True")
        fix = "use C = x.shape[1], and reduce with axis=1, keepdims=True"
    return Line("FAIL", title, got=f"{method} raised {type(error).__name__}: {message}", likely=likely, fix=fix)


def _explained(title: str, got: str, bug: str | None, fix: str = "") -> Line:
    likely, bug_fix = MISCONCEPTIONS.get(bug, ("", ""))
    return Line("FAIL", title, got=got, likely=likely, fix=bug_fix or fix)


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} item(s)"
    return f"{repr(value)[:120]} ({type(value).__name__})"


def _guarded(check):
    """A line check that cannot crash on a strange return value (a ragged list, an object without float())."""

    def guarded(*args) -> Line:
        try:
            return check(*args)
        except Exception as error:  # noqa: BLE001 - reading what the student's code returned
            return Line("FAIL", f"{check.__doc__} ({args[-1].name})" if hasattr(args[-1], "name") else check.__doc__,
                        got=f"what came back could not be read: {type(error).__name__}: {error}",
                        fix="return plain numbers and numpy arrays: a scalar loss, and (dx, dy) with dx shaped like x")

    guarded.__doc__ = check.__doc__
    return guarded


def _precision(x: np.ndarray) -> str:
    return "float32" if x.dtype == np.float32 else "float64"


def _scalar_problem(loss) -> str:
    if isinstance(loss, bool) or np.ndim(loss) != 0:
        return f"not a scalar: {_describe(loss)}"
    if np.asarray(loss).dtype.kind not in "iuf":
        return f"not a real number: {_describe(loss)}"
    return ""


def _loss_close(loss, expected: float, x: np.ndarray) -> bool:
    got, rtol_floor = float(loss), LOSS_TOLERANCE[_precision(x)]
    if np.isnan(expected) or np.isinf(expected):
        return got == expected or (np.isnan(got) and np.isnan(expected))
    finite = np.abs(x[np.isfinite(x)]).astype(np.float64)
    eps = float(np.finfo(x.dtype if x.dtype == np.float32 else np.float64).eps)
    atol = max(rtol_floor[1], 8 * eps * float(finite.max(initial=1.0)))
    return bool(np.isfinite(got) and abs(got - expected) <= atol + rtol_floor[0] * abs(expected))


def _dx_close(dx, expected: np.ndarray, x: np.ndarray) -> bool:
    rtol, scale = DX_TOLERANCE[_precision(x)]
    got = np.asarray(dx, dtype=np.float64)
    if got.shape != expected.shape or not np.isfinite(got).all():
        return False
    atol = scale * float(np.abs(expected).max(initial=0.0))
    return bool(np.all(np.abs(got - expected) <= atol + rtol * np.abs(expected)))


def _dx_problem(out, x: np.ndarray, y: np.ndarray) -> tuple[str, str | None]:
    """What is wrong with backward's output in form (not value): (what came back, bug), or ("", None)."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        return f"{_describe(out)}, not a pair (dx, dy)", None
    dx, dy = out
    if not isinstance(dx, np.ndarray):
        return f"dx is {_describe(dx)}, not an array shaped like x {x.shape}", None
    if dx.shape != x.shape:
        return f"dx has shape {dx.shape}, not x's shape {x.shape}", "grad-transposed" if dx.shape == x.shape[::-1] else None
    if dx.dtype.kind != "f":
        return f"dx has dtype {dx.dtype}, not a floating-point dtype", None
    if not np.any(dx):
        return "dx is all zeros", "placeholder-output"
    if dy is None or isinstance(dy, bool) or np.shape(dy) not in ((), y.shape) or \
            np.asarray(dy).dtype.kind not in "iuf" or np.any(np.asarray(dy) != 0):
        return f"dy is {_describe(dy)}, not 0", "dy-not-zero"
    return "", None


# ----------------------------------------------------------------------------------------------------
# Part 1 and Part 2.


def check_forward(celoss) -> Report:
    """Part 1: a scalar mean loss, exact on two public inputs."""
    worked = _forward_line(celoss, WORKED)
    sparse = _forward_line(celoss, SPARSE)
    if worked.status == "PASS" and sparse.status == "FAIL":  # right until the labels miss some classes
        sparse = _explained(sparse.title, sparse.got, "classes-from-labels")
    return Report("Part 1, CELoss.forward", (worked, sparse))


@_guarded
def _forward_line(celoss, case: Case) -> Line:
    """forward returns the scalar mean loss"""
    title = f"forward on {case.name} returns the scalar {case.loss!r}"
    call = _call(celoss.forward, case.x, case.y)
    if call.error is not None:
        return _raised(title, call.error, "CELoss.forward")
    loss = call.value
    if problem := _scalar_problem(loss):
        shape = np.shape(loss)
        bug = "not-scalar" if shape in (case.y.shape, (1,), (1, 1)) else None
        return _explained(title, problem, bug, fix="return one number: np.ndim(loss) must be 0")
    if _loss_close(loss, case.loss, case.x):
        return Line("PASS", title)
    got = f"{float(loss)!r}"
    value = float(loss)
    bug = next((bug for bug, wrong in case.wrong_losses if np.isclose(value, wrong, rtol=1e-6, atol=0)), None)
    if bug is None and value == 0:
        bug = "placeholder-output"
    if bug is None and np.isclose(value, case.loss, rtol=1e-5, atol=0):
        bug = "float32"
    return _explained(title, got, bug, fix="compare each row's logsumexp(x_i) - x_i[y_i] with a hand calculation")


def check_backward(celoss) -> Report:
    """Part 2: (dx, dy) exact on two public inputs, linear in dout, and consistent with your own forward."""
    lines = [_backward_line(celoss, WORKED), _backward_line(celoss, SPARSE)]
    if lines[0].status == "PASS" and lines[1].status == "FAIL":  # right until the labels miss some classes
        lines[1] = _explained(lines[1].title, lines[1].got, "classes-from-labels")
    lines.append(_dout_line(celoss, WORKED))
    gradient = check_gradient(celoss, SPARSE.x, SPARSE.y)
    lines.append(Line(gradient.status, "dx agrees with central differences of your own forward (gradient checker)",
                      got=gradient.summary, likely=gradient.meaning, fix="run checks.check_gradient(CELoss, x, y) "
                      "on small inputs of your own; fix Part 1 first if it fails"))
    return Report("Part 2, CELoss.backward", tuple(lines))


@_guarded
def _backward_line(celoss, case: Case) -> Line:
    """backward returns (dx, dy)"""
    title = f"backward on {case.name} returns dx = (softmax(x) - onehot(y)) / N and dy = 0"
    call = _call(celoss.backward, case.x, case.y, 1.0)
    if call.error is not None:
        return _raised(title, call.error, "CELoss.backward")
    got, bug = _dx_problem(call.value, case.x, case.y)
    if got:
        return _explained(title, got, bug, fix="return (dx, 0.0) with dx an array shaped like x")
    dx = np.asarray(call.value[0], dtype=np.float64)
    if _dx_close(dx, case.dx, case.x):
        return Line("PASS", title)
    return _explained(title, _dx_summary(dx, case.dx), _dx_bug(dx, case),
                      fix="subtract 1 at column y_i of row i only, from probabilities that sum to 1, then divide by N")


def _dx_summary(dx: np.ndarray, expected: np.ndarray) -> str:
    worst = np.unravel_index(int(np.argmax(np.abs(dx - expected))), dx.shape)
    where = tuple(int(i) for i in worst)
    return (f"at index {where}, dx = {dx[worst]:.6g} but the exact value is {expected[worst]:.6g}; "
            f"row sums of dx: {np.array2string(dx.sum(axis=1), precision=3)} (exact: 0)")


def _dx_bug(dx: np.ndarray, case: Case) -> str | None:
    n, c = case.x.shape
    onehot = np.eye(c)[case.y]
    probabilities = case.dx * n + onehot
    candidates = [("grad-not-averaged", n * case.dx), ("grad-sign", -case.dx), ("grad-sign", -n * case.dx),
                  ("grad-missing-onehot", probabilities / n), ("grad-missing-onehot", probabilities)]
    candidates += [("label-offset", (probabilities - np.eye(c)[(case.y + shift) % c]) / n) for shift in (-1, 1)]
    for bug, value in candidates:
        if np.allclose(dx, value, rtol=1e-6, atol=1e-9):
            return bug
    if np.allclose(dx, case.dx, rtol=1e-5, atol=1e-6 * np.abs(case.dx).max()):
        return "float32"
    return None


@_guarded
def _dout_line(celoss, case: Case) -> Line:
    """backward scales with dout"""
    title = "backward returns dout * dx for dout = 0.37, -2.5 and 0, each as a float and as a 0-d array"
    base = _call(celoss.backward, case.x, case.y, 1.0)
    if base.error is not None:
        return _raised(title, base.error, "CELoss.backward")
    if _dx_problem(base.value, case.x, case.y)[0]:
        return Line("FAIL", title, got=f"dx at dout = 1 on {case.name} is not right yet, so its scaling cannot be checked")
    dx1 = np.asarray(base.value[0], dtype=np.float64)
    for dout in DOUTS:
        for form, given in (("a float", float(dout)), ("a 0-d array", np.array(dout))):
            call = _call(celoss.backward, case.x, case.y, given)
            if call.error is not None:
                return _raised(f"{title} (dout = {dout!r} as {form})", call.error, "CELoss.backward")
            got, bug = _dx_problem(call.value, case.x, case.y) if dout else ("", None)
            if got and bug != "placeholder-output":
                return _explained(title, f"with dout = {dout!r} as {form}: {got}", bug)
            dx = np.asarray(call.value[0], dtype=np.float64) if isinstance(call.value, (tuple, list)) else None
            rtol, scale = DX_TOLERANCE["float64"]
            atol = scale * float(np.abs(dx1).max()) * max(abs(dout), 1.0)
            if dx is None or dx.shape != dx1.shape or not np.all(np.abs(dx - dout * dx1) <= atol + rtol * np.abs(dout * dx1)):
                ignores = dx is not None and dx.shape == dx1.shape and np.allclose(dx, dx1)
                return _explained(title, f"with dout = {dout!r} as {form}, dx is not {dout!r} * dx(dout=1)",
                                  "grad-ignores-dout" if ignores else None, fix="multiply the whole gradient by dout once")
            if np.shape(call.value[1]) not in ((), case.y.shape) or np.any(np.asarray(call.value[1]) != 0):
                return _explained(title, f"with dout = {dout!r} as {form}, dy is not 0", "dy-not-zero")
    return Line("PASS", title)


# ----------------------------------------------------------------------------------------------------
# The gradient checker: your backward against central differences of your own forward.


@dataclass(frozen=True, repr=False)
class GradientCheck:
    """The checker's verdict: PASS, FAIL or TODO, one summary line, and what a ratio means when it fails."""

    status: str
    summary: str
    meaning: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "PASS"

    def __str__(self) -> str:
        return f"{self.status:6}{self.summary}" + (f"\n        {self.meaning}" if self.meaning else "")

    __repr__ = __str__

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


def check_gradient(celoss, x, y, h: float = 1e-5, tolerance: float = 1e-7, **options) -> GradientCheck:
    """Compare celoss.backward(x, y, 1.0)[0] with (forward(x + h e_k) - forward(x - h e_k)) / 2h for every k.

    Works on a float64 copy of x and calls forward 2 * x.size times, so keep x small. It passes when
    the largest absolute difference is at most `tolerance` times the largest absolute entry of dx.
    Keyword options are passed to both methods.
    """
    x, y = read_only(x), np.asarray(y)
    out = _call(celoss.backward, x, y, 1.0, **options)
    if out.error is not None:
        return _checker_error(out.error, "CELoss.backward")
    dx = out.value[0] if isinstance(out.value, (tuple, list)) and out.value else out.value
    if not isinstance(dx, np.ndarray) or dx.shape != x.shape:
        return GradientCheck("FAIL", f"dx is {_describe(dx)}; the checker needs an array of x's shape {x.shape}")
    analytic = dx.astype(np.float64)
    numeric = np.zeros_like(analytic)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(analytic)
        step[index] = h
        values = []
        for shifted in (x + step, x - step):
            call = _call(celoss.forward, read_only(shifted), y, **options)
            if call.error is not None:
                return _checker_error(call.error, "CELoss.forward")
            if problem := _scalar_problem(call.value):
                return GradientCheck("FAIL", f"forward returned {problem}; the checker differentiates one number",
                                     "fix Part 1 first: forward must return the mean loss as a scalar")
            values.append(float(call.value))
        numeric[index] = (values[0] - values[1]) / (2 * h)
    if not (np.isfinite(numeric).all() and np.isfinite(analytic).all()):
        return GradientCheck("FAIL", "forward or backward gives nan or inf on these moderate logits")
    scale = float(np.abs(analytic).max(initial=0.0))
    error = np.abs(numeric - analytic)
    worst = np.unravel_index(int(np.argmax(error)), x.shape) if error.size else ()
    relative = float(error.max(initial=0.0)) / scale if scale else (0.0 if not error.any() else np.inf)
    summary = (f"max|numeric - analytic| / max|analytic| = {relative:.2e} (allowed {tolerance:.0e}, h = {h:.0e})")
    if relative <= tolerance:
        return GradientCheck("PASS", summary)
    where = tuple(int(i) for i in worst)
    summary += f"; worst at index {where}: numeric {numeric[worst]:.6g}, analytic {analytic[worst]:.6g}"
    return GradientCheck("FAIL", summary, _ratio_meaning(numeric, analytic, x.shape[0]))


def _ratio_meaning(numeric: np.ndarray, analytic: np.ndarray, n: int) -> str:
    """The ratio numeric / analytic, and what it says about the code."""
    denominator = float(np.vdot(analytic, analytic))
    ratio = float(np.vdot(numeric, analytic)) / denominator if denominator else np.nan
    if not (np.isfinite(ratio) and np.allclose(numeric, ratio * analytic, rtol=1e-4, atol=1e-6 * np.abs(analytic).max())):
        return ("numeric / analytic is not one number for all entries, so dx is not a multiple of the true slope: "
                "check the -1 at each row's target and that each row's probabilities sum to 1")
    text = (f"numeric / analytic = {ratio:.4g} at every entry. A ratio of r means your dx must be multiplied by r "
            f"to match your forward; a ratio of N (the batch size, here {n}) means forward and backward disagree "
            "about the 1/N: forward sums the rows but backward divides by N (or backward divides twice)")
    if np.isclose(ratio, n, rtol=1e-3):
        text += ". Here the ratio is N"
    elif np.isclose(ratio, 1 / n, rtol=1e-3):
        text += f". Here the ratio is 1/N: backward is missing the 1/N that forward has"
    elif np.isclose(ratio, -1, rtol=1e-3):
        text += ". Here the ratio is -1: a sign is flipped in forward or in backward"
    return text


def _checker_error(error: Exception, method: str) -> GradientCheck:
    line = _raised("gradient check", error, method)
    return GradientCheck("TODO" if line.status == "TODO" else "FAIL", line.got, line.likely or line.fix)


# ----------------------------------------------------------------------------------------------------
# Part 3: the hard inputs of the text, exact answers; after a failure, twins of equal answers name the bug.


def check_stability(celoss) -> Report:
    """Part 3: forward and backward exact on every hard input; a failure names the misconception it shows."""
    lines = [_probe_line(celoss, probe) for probe in PROBES]
    if all(line.status == "PASS" for line in lines) or all(line.status == "TODO" for line in lines):
        return Report("Part 3, stability", tuple(lines))
    likely, fix = _stability_diagnosis(celoss)
    lines = [line if line.status != "FAIL" or line.likely else
             Line("FAIL", line.title, got=line.got, likely=likely, fix=fix) for line in lines]
    return Report("Part 3, stability", tuple(lines))


@_guarded
def _probe_line(celoss, probe: Probe) -> Line:
    """a hard input gives the exact loss and dx"""
    title = f"{probe.name}: loss {probe.loss:.6g} and dx exact ({probe.x.dtype})"
    forward = _call(celoss.forward, probe.x, probe.y)
    if forward.error is not None:
        return _raised(title, forward.error, "CELoss.forward")
    if problem := _scalar_problem(forward.value):
        return Line("FAIL", title, got=f"the loss is {problem}", fix="fix Part 1 first")
    if not _loss_close(forward.value, probe.loss, probe.x):
        return Line("FAIL", title, got=f"loss {float(forward.value)!r}")
    backward = _call(celoss.backward, probe.x, probe.y, 1.0)
    if backward.error is not None:
        return _raised(title, backward.error, "CELoss.backward")
    out = backward.value
    dx = out[0] if isinstance(out, (tuple, list)) and len(out) == 2 else None
    if not isinstance(dx, np.ndarray) or not _dx_close(dx, probe.dx, probe.x):
        shown = (np.array2string(np.asarray(dx, dtype=np.float64), precision=4, separator=", ").replace("\n", "")
                 if isinstance(dx, np.ndarray) else _describe(out))
        return Line("FAIL", title, got=f"dx {shown}")
    return Line("PASS", title)


def _stability_diagnosis(celoss) -> tuple[str, str]:
    """(likely, fix) from the twins that break: each breaks code with one misconception and not stable code."""
    bugs = _broken_twins(celoss, TWINS, np.float64)
    if not bugs:
        bugs = [f"{bug} (float32)" for bug in _broken_twins(celoss, FLOAT32_TWINS, np.float32)]
    if not bugs:
        if _forward_line(celoss, WORKED).status != "PASS" or _backward_line(celoss, WORKED).status != "PASS":
            return ("Part 1 or Part 2 is not right on ordinary logits either, and these checks compare with "
                    "exact values, so that mistake shows here too", "fix Parts 1 and 2 first")
        return "", "compute log p = (x - m) - log(sum(exp(x - m))) with m the max of each row; p = exp(log p)"
    found = [(bug, MISCONCEPTIONS[bug.split(" ")[0]]) for bug in bugs]
    likely = "; and ".join(f"{text}{' (seen in float32)' if bug.endswith('(float32)') else ''}" for bug, (text, _) in found)
    return likely, "; ".join(dict.fromkeys(fix for _, (_, fix) in found))


def _broken_twins(celoss, twins, dtype) -> list[str]:
    bugs: list[str] = []
    for bug, hard, hard_y, benign, benign_y, ratio in twins:
        if bug in bugs or (bug == "global-max-shift" and "no-max-shift" in bugs):
            continue  # no shift at all also breaks the global-max twin: name only the cause
        for backward in (False, True):
            if backward and bug in ("log-of-softmax", "mask-times-log"):
                continue
            want = _twin_value(celoss, benign, benign_y, dtype, backward)
            if want is None:
                continue  # wrong on the ordinary twin too: not a stability bug
            got = _twin_value(celoss, hard, hard_y, dtype, backward, finite=False)
            if got is None or np.shape(got) != np.shape(want) or not np.allclose(got, ratio * want, rtol=1e-5, atol=1e-9):
                bugs.append(bug)
                break
    if "no-max-shift" in bugs and "log-of-softmax" in bugs:
        bugs.remove("log-of-softmax")  # exp overflows before any log is taken: one cause explains both
    return bugs


def _twin_value(celoss, x, y, dtype, backward: bool, finite: bool = True):
    """The student's loss (or dx) on one twin as float64, or None if it raised or, for a benign twin, is not finite."""
    x, y = read_only(x, dtype), read_only(y, np.int64)
    call = _call(celoss.backward, x, y, 1.0) if backward else _call(celoss.forward, x, y)
    if call.error is not None:
        return None
    value = call.value[0] if backward and isinstance(call.value, (tuple, list)) and call.value else call.value
    try:
        value = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if finite and (not np.isfinite(value).all() or not np.any(value)):
        return None
    return value


# ----------------------------------------------------------------------------------------------------
# Part 4 (bonus): torch's options on the worked example.

EXTENSION_LOSSES = (({"reduction": "sum"}, 6.32392726910476), ({"weight": [1, 2, 0.5, 3]}, 1.671630605007411),
                    ({"label_smoothing": 0.1}, 2.115475756368254))


def check_extensions(celoss) -> Report:
    """Part 4 (bonus): reduction, weight, label_smoothing, ignore_index, K-dim inputs, and the gradient."""
    lines = []
    for options, value in EXTENSION_LOSSES:
        shown = {key: read_only(v) if isinstance(v, list) else v for key, v in options.items()}
        title = f"forward with {options} gives {value!r}"
        call = _call(celoss.forward, WORKED.x, WORKED.y, **shown)
        if call.error is not None:
            lines.append(_bonus_raised(title, call.error))
        elif _scalar_problem(call.value) or not _loss_close(call.value, value, WORKED.x):
            lines.append(Line("FAIL", title, got=_describe(call.value), fix="compare with the formulas above, term by term"))
        else:
            lines.append(Line("PASS", title))
    if all(line.status == "TODO" for line in lines):  # no option is implemented: the part is not attempted
        return Report("Part 4 (bonus), torch's options", tuple(lines), bonus=True)
    lines.append(_bonus_line("reduction='none' returns one loss per row, shape (3,)",
                             lambda: celoss.forward(WORKED.x, WORKED.y, reduction="none"),
                             lambda v: np.shape(v) == (3,), "return the per-row losses before the reduction"))
    ignored = read_only([2, -100, 3], np.int64)
    lines.append(_bonus_line("an ignored row (label -100) leaves the mean: 0.5875860440801797",
                             lambda: celoss.forward(WORKED.x, ignored),
                             lambda v: np.ndim(v) == 0 and _loss_close(v, 0.5875860440801797, WORKED.x),
                             "drop the ignored rows from both the sum and the divisor"))
    lines.append(_bonus_line("an ignored row gets a zero gradient",
                             lambda: celoss.backward(WORKED.x, read_only([2, -100, 3], np.int64), 1.0),
                             lambda v: isinstance(v, (tuple, list)) and np.shape(v[0]) == (3, 4)
                             and not np.any(np.asarray(v[0])[1]), "set the ignored rows of dx to 0"))
    rng = np.random.default_rng(1)
    x3, y3 = read_only(rng.standard_normal((2, 4, 3))), read_only(rng.integers(0, 4, size=(2, 3)), np.int64)
    flat = (read_only(np.moveaxis(x3, 1, -1).reshape(-1, 4)), read_only(y3.reshape(-1), np.int64))
    lines.append(_bonus_line("forward on (2, 4, 3) equals forward on the (6, 4) flattened rows",
                             lambda: (celoss.forward(x3, y3), celoss.forward(*flat)),
                             lambda v: np.ndim(v[0]) == 0 and bool(np.isclose(v[0], v[1], rtol=1e-10)),
                             "move the class axis last with np.moveaxis(x, 1, -1), then reshape to (-1, C)"))
    gradient = check_gradient(celoss, SPARSE.x, SPARSE.y, weight=[1.0, 2.0, 0.5, 3.0, 1.5], label_smoothing=0.2)
    lines.append(Line(gradient.status, "dx with weight and label_smoothing agrees with central differences",
                      got=gradient.summary, likely=gradient.meaning))
    return Report("Part 4 (bonus), torch's options", tuple(lines), bonus=True)


def _bonus_raised(title: str, error: Exception) -> Line:
    if isinstance(error, TypeError) and "unexpected keyword argument" in str(error):
        return Line("TODO", title, got=f"CELoss takes no keyword options: {error}")
    return _raised(title, error, "CELoss")


def _bonus_line(title: str, run, passes, fix: str) -> Line:
    call = _call(run)
    if call.error is not None:
        return _bonus_raised(title, call.error)
    try:
        ok = bool(passes(call.value))
    except (TypeError, ValueError, IndexError):
        ok = False
    return Line("PASS", title) if ok else Line("FAIL", title, got=_describe(call.value), fix=fix)


# ----------------------------------------------------------------------------------------------------
# Entry points for `nbgrader validate` (one test cell per part) and for `python celoss.py`.

PARTS = {"forward": check_forward, "backward": check_backward, "stability": check_stability,
         "extensions": check_extensions}


def validate(part: str, namespace) -> None:
    """For a test cell under `nbgrader validate`: a failing core part prints its report to stderr (a failure).

    `namespace` is the notebook's globals() (or the CELoss class). The bonus part never fails validation:
    it prints to stdout, so skipping it or getting it wrong costs only the bonus.
    """
    celoss = namespace.get("CELoss") if isinstance(namespace, dict) else namespace
    bonus = part == "extensions"
    if celoss is None:
        return print("CELoss is not defined: the answer cell did not run to its end. Run it and read its error "
                     "(a SyntaxError, for instance).", file=sys.stdout if bonus else sys.stderr)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the student's own prints and warnings must not fail validation
        try:
            report = PARTS[part](celoss)
        except Exception as error:  # noqa: BLE001 - a bug in these checks, never the student's
            report = Report(f"Part {list(PARTS).index(part) + 1}", (Line(
                "FAIL", "the checks themselves failed: this is a bug in celoss_checks.py, not in your code",
                got=f"{type(error).__name__}: {error}", fix="tell your instructor"),), bonus)
    if report.passed:
        return print(f"{report.title}: every public check passes; hidden tests with other inputs decide the score.")
    ending = "" if bonus else ("\nIn the notebook, this part's check cell prints the full report; "
                               "`python celoss.py` prints it for the .py file.")
    print(report.text(failures_only=True, width=76) + textwrap.fill(ending, 76, replace_whitespace=False),
          file=sys.stdout if bonus else sys.stderr)


def run_all(namespace) -> int:
    """`python celoss.py`: every part's checks and the gradient checker; 0 when all pass, else 1.

    `namespace` is the script's globals() (or the CELoss class).
    """
    celoss = namespace.get("CELoss") if isinstance(namespace, dict) else namespace
    if celoss is None:
        print("CELoss is not defined: keep the class CELoss and its name.")
        return 1
    reports = [check(celoss) for check in PARTS.values()]
    gradient = check_gradient(celoss, WORKED.x, WORKED.y)
    for report in reports:
        print(report, end="\n\n")
    print("Gradient checker on the worked example:")
    print(gradient)
    failed = [r.title for r in reports if not r.passed and (not r.bonus or r.attempted)]
    if not gradient.passed:
        failed.append("the gradient checker")
    if failed:
        print(f"\nNot done yet: {'; '.join(failed)}. Exit status 1.")
        return 1
    print("\nEvery check passes. Hidden tests with other inputs decide the score.")
    return 0
