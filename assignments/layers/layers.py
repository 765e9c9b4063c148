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
        """Return x @ W + b, an array of shape (N, M) in the inputs' dtype. Never modify the inputs."""
        # YOUR CODE HERE
        raise NotImplementedError()

    @staticmethod
    def backward(x, W, b, dout):
        """Return (dx, dW, db) for dout of shape (N, M); each adjoint has the shape of its input."""
        # YOUR CODE HERE
        raise NotImplementedError()


class ReLU:
    """The rectified linear unit, entry by entry: relu(x) = max(x, 0), for x of any shape."""

    @staticmethod
    def forward(x):
        """Return max(x, 0) with x's shape and dtype. Never modify x."""
        # YOUR CODE HERE
        raise NotImplementedError()

    @staticmethod
    def backward(x, dout):
        """Return dx = dout where x > 0, else 0 (also at exactly 0). Never modify x or dout."""
        # YOUR CODE HERE
        raise NotImplementedError()
