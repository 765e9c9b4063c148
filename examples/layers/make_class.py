"""Generate examples/layers/class/: a deterministic example class of layers submissions for `make demo`.

Each student fills in the two answer cells of the released notebook (or the .py stub) in a style real
students use: correct ones (vectorised, CS231n's reshape, einsum, loops) and the common bugs (x >= 0,
writing into dout, db of shape (1, M), dW transposed), plus one unreadable file. Run
`python examples/layers/make_class.py [DIR]`; the output is committed, and a rerun reproduces it byte for byte.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RELEASE_NB = ROOT / "assignments" / "layers" / "layers.ipynb"
RELEASE_PY = ROOT / "assignments" / "layers" / "layers.py"
OUT = HERE / "class"

LINEAR = {
    "vectorised": ("return x @ W + b", "return dout @ W.T, x.T @ dout, dout.sum(axis=0)"),
    "cs231n": ("N = x.shape[0]\nreturn x.reshape(N, -1).dot(W) + b",
               "N = x.shape[0]\ndx = dout.dot(W.T).reshape(x.shape)\ndW = x.reshape(N, -1).T.dot(dout)\n"
               "db = np.sum(dout, axis=0)\nreturn dx, dW, db"),
    "einsum": ("return np.einsum('nd,dm->nm', x, W) + b",
               "return np.einsum('nm,dm->nd', dout, W), np.einsum('nd,nm->dm', x, dout), np.einsum('nm->m', dout)"),
    "keepdims": ("return x @ W + b", "return dout @ W.T, x.T @ dout, np.sum(dout, axis=0, keepdims=True)"),
    "dw-transposed": ("return x @ W + b", "return dout @ W.T, dout.T @ x, dout.sum(axis=0)"),
}
RELU = {
    "strict": ("return np.maximum(x, 0)", "return dout * (x > 0)"),
    "where": ("return np.where(x > 0, x, 0.0).astype(x.dtype)", "return np.where(x > 0, dout, 0.0)"),
    "copy": ("out = x.copy()\nout[out < 0] = 0\nreturn out", "dx = dout.copy()\ndx[x <= 0] = 0\nreturn dx"),
    "ge-zero": ("return np.maximum(x, 0)", "return dout * (x >= 0)"),
    "writes-dout": ("return np.maximum(x, 0)", "dout[x <= 0] = 0\nreturn dout"),
    "from-dout": ("return np.maximum(x, 0)", "return dout * (dout > 0)"),
}

# (file, Linear style, ReLU style, what the student wrote, expected)
STUDENTS = [
    ("l01-ada.ipynb", "vectorised", "strict", "the textbook answer", "full marks"),
    ("l02-bruno.py", "cs231n", "where", "CS231n style: x reshaped to (N, -1), np.where", "full marks"),
    ("l03-chen.ipynb", "einsum", "copy", "np.einsum; ReLU's mask applied to a copy of dout", "full marks"),
    ("l04-dara.ipynb", "cs231n", "ge-zero", "CS231n style, mask x >= 0", "loses 1 point: bug:relu-grad-at-zero"),
    ("l05-emil.py", "vectorised", "writes-dout", "dout[x <= 0] = 0 in ReLU.backward",
     "loses 2 points: bug:relu-mutates-input"),
    ("l06-fay.ipynb", "keepdims", "strict", "db = dout.sum(axis=0, keepdims=True)",
     "loses 4 points: bug:linear-db-keepdims"),
    ("l07-gus.ipynb", "dw-transposed", "strict", "dW = dout.T @ x", "loses 4 points: bug:linear-dw-transposed"),
    ("l08-hana.py", "vectorised", "from-dout", "the ReLU mask taken from dout", "loses 2 points: bug:relu-grad-from-dout"),
    ("l09-ivo.ipynb", "keepdims", "ge-zero", "the two most common slips together",
     "loses 5 points: bug:linear-db-keepdims, bug:relu-grad-at-zero"),
]


def method(body: str) -> str:
    return textwrap.indent(textwrap.dedent(body).strip(), " " * 8)


def linear_cell(style: str) -> str:
    forward, backward = LINEAR[style]
    return f'''class Linear:
    """A fully connected layer: out = x @ W + b, with x (N, D), W (D, M) and b (M,)."""

    @staticmethod
    def forward(x, W, b):
{method(forward)}

    @staticmethod
    def backward(x, W, b, dout):
{method(backward)}
'''


def relu_cell(style: str) -> str:
    forward, backward = RELU[style]
    return f'''class ReLU:
    """The rectified linear unit, entry by entry."""

    @staticmethod
    def forward(x):
{method(forward)}

    @staticmethod
    def backward(x, dout):
{method(backward)}
'''


def notebook(linear: str, relu: str) -> str:
    data = json.loads(RELEASE_NB.read_text(encoding="utf-8"))
    answers = {"linear_answer": linear_cell(linear), "relu_answer": relu_cell(relu)}
    for cell in data["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id].splitlines(keepends=True)
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def stub(linear: str, relu: str) -> str:
    text = RELEASE_PY.read_text(encoding="utf-8")
    return text[: text.index("class Linear")] + linear_cell(linear) + "\n\n" + relu_cell(relu)


def main(out: Path = OUT) -> None:
    """Write the class into `out` (default examples/layers/class/), replacing what was there."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rows = []
    for name, linear, relu, wrote, expected in STUDENTS:
        text = notebook(linear, relu) if name.endswith(".ipynb") else stub(linear, relu)
        (out / name).write_text(text, encoding="utf-8")
        rows.append(f"| {name} | {wrote} | {expected} |")
    (out / "l10-jun.ipynb").write_text('{"cells": [', encoding="utf-8")
    rows.append("| l10-jun.ipynb | a notebook cut off mid-upload | 0, with a message saying the file is not valid JSON |")
    (out / "README.md").write_text(
        "# The layers example class\n\nGenerated by `python examples/layers/make_class.py`; graded by `make demo`.\n\n"
        "| file | what the student wrote | expected |\n|---|---|---|\n" + "\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
