# expect: bug:relu-grad-at-zero
"""The mask is x >= 0: gradient 1 at exactly 0."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return x @ W + b

    @staticmethod
    def backward(x, W, b, dout):
        dx = dout @ W.T
        dW = x.T @ dout
        db = dout.sum(axis=0)
        return dx, dW, db


class ReLU:
    @staticmethod
    def forward(x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(x, dout):
        return dout * (x >= 0)
