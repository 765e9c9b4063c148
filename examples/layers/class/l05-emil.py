"""Two layers of a neural network: Linear and ReLU (assignment layers): the .py version of layers.ipynb.

What to do:
- Replace each `raise NotImplementedError()` under `# YOUR CODE HERE` with your own code.
- Keep every name and signature, and leave the provided code as it is.
- The notebook layers.ipynb explains the maths and what to write.
- Submit this file as layers.py.

Generated from the released notebook by `python -m autograder.course.release layers`.
"""

import numpy as np


class Linear:
    """A fully connected layer: out = x @ W + b, with x (N, D), W (D, M) and b (M,)."""

    @staticmethod
    def forward(x, W, b):
        return x @ W + b

    @staticmethod
    def backward(x, W, b, dout):
        return dout @ W.T, x.T @ dout, dout.sum(axis=0)


class ReLU:
    """The rectified linear unit, entry by entry."""

    @staticmethod
    def forward(x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(x, dout):
        dout[x <= 0] = 0
        return dout
