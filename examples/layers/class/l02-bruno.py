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
        N = x.shape[0]
        return x.reshape(N, -1).dot(W) + b

    @staticmethod
    def backward(x, W, b, dout):
        N = x.shape[0]
        dx = dout.dot(W.T).reshape(x.shape)
        dW = x.reshape(N, -1).T.dot(dout)
        db = np.sum(dout, axis=0)
        return dx, dW, db


class ReLU:
    """The rectified linear unit, entry by entry."""

    @staticmethod
    def forward(x):
        return np.where(x > 0, x, 0.0).astype(x.dtype)

    @staticmethod
    def backward(x, dout):
        return np.where(x > 0, dout, 0.0)
