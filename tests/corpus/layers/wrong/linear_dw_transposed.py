# expect: bug:linear-dw-transposed
"""dW = dout.T @ x, of shape (M, D)."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return x @ W + b

    @staticmethod
    def backward(x, W, b, dout):
        dx = dout @ W.T
        dW = dout.T @ x
        db = dout.sum(axis=0)
        return dx, dW, db


class ReLU:
    @staticmethod
    def forward(x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(x, dout):
        return dout * (x > 0)
