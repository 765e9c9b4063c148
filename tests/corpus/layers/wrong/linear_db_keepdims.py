# expect: bug:linear-db-keepdims
"""db keeps the batch axis: shape (1, M)."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return x @ W + b

    @staticmethod
    def backward(x, W, b, dout):
        dx = dout @ W.T
        dW = x.T @ dout
        db = np.sum(dout, axis=0, keepdims=True)
        return dx, dW, db


class ReLU:
    @staticmethod
    def forward(x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(x, dout):
        return dout * (x > 0)
