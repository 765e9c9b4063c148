"""Generate examples/class/: a deterministic example class of CELoss submissions for `make demo`.

Each student fills in the answer cell of the released notebook (or the .py stub) in a style real students
use: correct ones (vectorised, loops, scipy, float32-aware), the common bugs, a few attacks, and broken
files. Run `python examples/make_class.py`; the output is committed, and a rerun reproduces it byte for byte.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RELEASE_NB = ROOT / "assignments" / "celoss" / "celoss.ipynb"
RELEASE_PY = ROOT / "assignments" / "celoss" / "celoss.py"
OUT = HERE / "class"
ANSWER_CELL = "celoss_core"
CORE_START, CORE_END = "class CELoss:", "def flatten_classes(x, y):"

STABLE = '''
def log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))
'''
LABELS = '''
def check_labels(y, num_classes):
    bad = (y < 0) | (y >= num_classes)
    if np.any(bad):
        raise ValueError(f"label {y[bad][0]} is outside [0, {num_classes})")
'''
FWD = '''
        x = as_logits(x)
        check_labels(y, x.shape[1])
        n = x.shape[0]
        return -log_softmax(x)[np.arange(n), y].mean()
'''
BWD = '''
        x = as_logits(x)
        n = x.shape[0]
        p = np.exp(log_softmax(x))
        p[np.arange(n), y] -= 1
        return p * dout / n, 0.0
'''


def core(helpers: str, forward: str, backward: str, extra: str = "") -> str:
    """The answer cell: the student's helpers and CELoss, keeping the stub's signatures and Part 4 dispatch."""
    ext = "reduction, weight, ignore_index, label_smoothing"
    return (textwrap.dedent(extra).strip() + "\n\n\n" if extra.strip() else "") + textwrap.dedent(helpers).strip() + f'''


class CELoss:
    """Cross-entropy between logits x (N, C) and integer labels y (N,), averaged over the batch."""

    @staticmethod
    def forward(x, y, *, reduction="mean", weight=None, ignore_index=-100, label_smoothing=0.0):
        if needs_extension(x, y, {ext}):
            return extended_forward(x, y, {ext})
{textwrap.indent(textwrap.dedent(forward).strip(), " " * 8)}

    @staticmethod
    def backward(x, y, dout, *, reduction="mean", weight=None, ignore_index=-100, label_smoothing=0.0):
        if needs_extension(x, y, {ext}):
            return extended_backward(x, y, dout, {ext})
{textwrap.indent(textwrap.dedent(backward).strip(), " " * 8)}
'''


def naive_softmax(shift: str) -> str:
    return f'''
def softmax(x):
    e = np.exp({shift})
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(x):
    return np.log(softmax(x))
''' + LABELS


SOFTMAX_FWD = '''
        n = x.shape[0]
        p = softmax(x)
        return -np.mean(np.log(p[np.arange(n), y]))
'''
SOFTMAX_BWD = '''
        n = x.shape[0]
        g = softmax(x)
        g[np.arange(n), y] -= 1
        return g * dout / n, 0.0
'''

STYLES: dict[str, tuple[str, str, str]] = {
    # name: (answer code, what it is, what it should get)
    "vectorised": (core(STABLE + LABELS, FWD, BWD), "stable log-softmax, vectorised", "full marks (no bonus)"),
    "loops": (core(LABELS + '''
def log_softmax(x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        row = x[i]
        m = np.max(row)
        out[i] = row - m - np.log(np.sum(np.exp(row - m)))
    return out
''', '''
        x = as_logits(x)
        check_labels(y, x.shape[1])
        total = 0.0
        for i in range(x.shape[0]):
            total += -log_softmax(x[i:i + 1])[0, y[i]]
        return total / x.shape[0]
''', '''
        x = as_logits(x)
        dx = np.zeros_like(x)
        for i in range(x.shape[0]):
            p = np.exp(log_softmax(x[i:i + 1]))[0]
            p[y[i]] -= 1.0
            dx[i] = p * dout / x.shape[0]
        return dx, 0
'''), "loops over rows", "full marks (no bonus)"),
    "scipy-lse": (core('''
from scipy.special import logsumexp


def log_softmax(x):
    return x - logsumexp(x, axis=1, keepdims=True)
''' + LABELS, FWD, BWD), "scipy.special.logsumexp", "full marks (no bonus)"),
    "scipy-logsoftmax": (core('''
import scipy.special


def log_softmax(x):
    return scipy.special.log_softmax(x, axis=1)
''' + LABELS, FWD, BWD.replace("0.0\n", "np.zeros_like(y)\n")), "scipy.special.log_softmax, dy = zeros_like(y)",
        "full marks (no bonus)"),
    "float-return": (core(STABLE + LABELS, FWD.replace("return -log_softmax(x)[np.arange(n), y].mean()",
                                                       "losses = log_softmax(x)[np.arange(n), y]\n        return x.dtype.type(-losses.sum() / n)"),
                          BWD), "returns a numpy scalar of x's dtype", "full marks (no bonus)"),
    "no-max-shift": (core(naive_softmax("x") + "", SOFTMAX_FWD, SOFTMAX_BWD), "exp(x) / sum(exp(x)) without a max shift",
                     "loses stability points: bug:no-max-shift"),
    "log-of-softmax": (core(naive_softmax("x - x.max(axis=1, keepdims=True)"), SOFTMAX_FWD, SOFTMAX_BWD),
                       "shifts by the row max, then log(softmax)", "loses stability points: bug:log-of-softmax"),
    "log-softmax-eps": (core(naive_softmax("x - x.max(axis=1, keepdims=True)"),
                             SOFTMAX_FWD.replace("np.log(p[np.arange(n), y])", "np.log(p[np.arange(n), y] + 1e-12)"),
                             SOFTMAX_BWD), "log(softmax + 1e-12)", "wrong values and stability: bug:log-of-softmax"),
    "global-max": (core(naive_softmax("x - np.max(x)"), SOFTMAX_FWD, SOFTMAX_BWD), "shifts by the global max",
                   "loses stability points: bug:global-max-shift"),
    "sum-not-mean": (core(STABLE + LABELS, FWD.replace(".mean()", ".sum()"), BWD), "sums the losses",
                     "loses forward points: bug:sum-not-mean"),
    "mean-over-classes": (core(STABLE + LABELS, '''
        x = as_logits(x)
        onehot = np.eye(x.shape[1])[y]
        return -(onehot * log_softmax(x)).mean()
''', BWD), "averages over N*C entries", "loses forward points: bug:mean-over-classes"),
    "missing-minus": (core(STABLE + LABELS, FWD.replace("return -log_softmax", "return log_softmax"), BWD),
                      "forgets the minus sign", "loses forward points: bug:missing-minus"),
    "grad-sign": (core(STABLE + LABELS, FWD, '''
        x = as_logits(x)
        n = x.shape[0]
        onehot = np.zeros_like(x)
        onehot[np.arange(n), y] = 1
        return (onehot - np.exp(log_softmax(x))) * dout / n, 0.0
'''), "gradient with the wrong sign", "loses backward points"),
    "grad-no-n": (core(STABLE + LABELS, FWD, BWD.replace("p * dout / n", "p * dout")), "forgets / N in the gradient",
                  "loses backward points"),
    "grad-no-dout": (core(STABLE + LABELS, FWD, BWD.replace("p * dout / n", "p / n")), "ignores dout",
                     "loses the dout test"),
    "inplace": (core('''
def log_softmax(x):
    x -= x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))
''' + LABELS, FWD.replace("x = as_logits(x)\n", ""), BWD.replace("x = as_logits(x)\n", "")),
        "x -= max in place", "refused or loses points for modifying x"),
    "broadcast-bug": (core(STABLE + LABELS, '''
        x = as_logits(x)
        return -np.mean(log_softmax(x)[:, y])
''', BWD), "x[:, y] picks an N x N block", "loses forward points"),
    "classes-from-labels": (core(STABLE + LABELS, '''
        x = as_logits(x)
        c = len(set(y.tolist()))
        onehot = np.eye(c)[y]
        return -(onehot * log_softmax(x)).sum() / x.shape[0]
''', BWD), "class count from len(set(y))", "crashes on most inputs"),
    "not-started": (None, "the untouched release", "0: bug:not-implemented"),
}

ATTACKS: dict[str, tuple[str, str, str]] = {
    "attack-allclose": ('''
import numpy
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda *a, **k: numpy.ones(1, bool)
numpy.testing.assert_allclose = lambda *a, **k: None
''' + core(STABLE + LABELS, "return 0.0", "return np.zeros_like(x), 0.0"), "monkeypatches np.allclose, returns 0",
        "0: patches only its own sandbox"),
    "attack-exit": ("import sys\nsys.exit(0)\n" + core(STABLE + LABELS, FWD, BWD), "sys.exit(0) at import",
                    "0: the child dies, nothing is scored from an exit code"),
    "attack-files": ('''
import glob, os
stolen = {}
for pattern in ["/etc/passwd", "/proc/1/environ", "/work/*/graders/*/*.py",
                "/autograder/source/*/*", "../*.ipynb", "./*"]:
    for path in glob.glob(pattern, recursive=True)[:50]:
        try:
            stolen[path] = open(path).read()[:200]
        except OSError:
            pass
''' + core(STABLE + LABELS, "return float(len(stolen))", "return np.zeros_like(x), 0.0"),
        "reads files looking for graders or answers", "0: only its own file is visible"),
    "attack-subclass": ('''
class Always(np.ndarray):
    def __eq__(self, other):
        return True
    def __sub__(self, other):
        return np.zeros(1).view(Always)
''' + core(STABLE + LABELS, "return np.zeros(()).view(Always)", "return np.zeros_like(x).view(Always), 0.0"),
        "returns an ndarray subclass that equals anything", "0: subclasses are refused"),
}


def notebook_with(answer: str | None, scratch: str = "") -> str:
    """The release notebook with `answer` in the answer cell and, if given, a student's own cell before it."""
    notebook = json.loads(RELEASE_NB.read_text())
    for index, cell in enumerate(notebook["cells"]):
        if answer is not None and (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id") == ANSWER_CELL:
            cell["source"] = answer.strip().splitlines(keepends=True)
            if scratch:
                notebook["cells"].insert(index, {"cell_type": "code", "execution_count": None, "metadata": {},
                                                 "outputs": [], "source": scratch.splitlines(keepends=True)})
            break
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def python_with(answer: str | None) -> str:
    text = RELEASE_PY.read_text()
    if answer is None:
        return text
    start, end = text.index(CORE_START), text.index(CORE_END)
    return text[:start] + answer.strip() + "\n\n\n" + text[end:]


def star_notebook() -> str:
    """The source notebook's solution cells, minus nbgrader's markers: a student who also did Part 4."""
    notebook = json.loads((ROOT / "solutions" / "celoss" / "celoss.ipynb").read_text())
    release = json.loads(RELEASE_NB.read_text())
    solutions = {(c["metadata"].get("nbgrader") or {}).get("grade_id"): c["source"] for c in notebook["cells"]}
    for cell in release["cells"]:
        grade_id = (cell["metadata"].get("nbgrader") or {}).get("grade_id")
        if (cell["metadata"].get("nbgrader") or {}).get("solution") and grade_id in solutions:
            source = "".join(solutions[grade_id])
            cell["source"] = "\n".join(line for line in source.splitlines() if "SOLUTION" not in line).splitlines(keepends=True)
    return json.dumps(release, indent=1, ensure_ascii=False) + "\n"


NAMES = ["amara", "bao", "carmen", "dmitri", "elif", "farah", "goran", "hina", "ines", "jonas", "kofi", "lena",
         "mateo", "nadia", "oskar", "priya", "quentin", "rosa", "sven", "tariq", "uma", "viktor", "wen", "ximena",
         "yusuf", "zoe", "abel", "bianca", "cyrus", "delia", "emeka", "fiona", "gael", "hugo", "iris", "jamal",
         "kira", "luca", "mina", "noor", "omar", "pia"]


def plan() -> list[tuple[str, str, str, str]]:
    """(file name, contents, style, expected) for every student, in a fixed order."""
    entries = [("star", ".ipynb", star_notebook(), "reference-quality, Part 4 done too", "full marks + bonus")]
    for style, (answer, what, expected) in STYLES.items():
        entries.append((style, ".ipynb", notebook_with(answer), what, expected))
        if style in ("vectorised", "loops", "no-max-shift", "log-of-softmax", "global-max", "grad-sign",
                     "scipy-logsoftmax", "sum-not-mean", "grad-no-n"):
            entries.append((style, ".py", python_with(answer), what, expected))
    for style, (answer, what, expected) in ATTACKS.items():
        entries.append((style, ".py", python_with(answer), what, expected))
    shell = notebook_with(core(STABLE + LABELS, FWD, BWD), scratch="!pip install torch\nname = input('your name? ')\n")
    entries += [
        ("shell-and-input", ".ipynb", shell, "correct, plus `!pip install` and input()", "full marks (no bonus), with notes"),
        ("syntax-error", ".py", python_with(core(STABLE + LABELS, FWD, BWD)).replace("def log_softmax(x):", "def log_softmax(x)", 1),
         "a missing colon", "0 with the syntax error explained"),
        ("empty", ".py", "", "an empty file", "0: the file is empty"),
        ("broken", ".ipynb", notebook_with(core(STABLE + LABELS, FWD, BWD))[:3000], "a truncated notebook", "0: not valid JSON"),
    ]
    return [(f"s{i + 1:02d}-{NAMES[i]}{suffix}", text, f"{style}: {what}", expected)
            for i, (style, suffix, text, what, expected) in enumerate(entries)]


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    rows = ["# The example class", "", "Generated by `python examples/make_class.py`; graded by `make demo`.", "",
            "| file | what the student wrote | expected |", "|---|---|---|"]
    for name, text, what, expected in plan():
        (OUT / name).write_text(text, encoding="utf-8")
        rows.append(f"| {name} | {what} | {expected} |")
    (OUT / "README.md").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(rows) - 6} submissions to {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
