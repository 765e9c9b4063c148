# expect: bug:linear-mutates-input
"""A defensive clean-up that writes into dout."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return x @ W + b

    @staticmethod
    def backward(x, W, b, dout):
        dout[~np.isfinite(dout)] = 0
        return dout @ W.T, x.T @ dout, dout.sum(axis=0)


class ReLU:
    @staticmethod
    def forward(x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(x, dout):
        return dout * (x > 0)
