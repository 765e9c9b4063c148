# expect: bug:relu-mutates-input bug:linear-db-not-summed
"""dout reused as scratch in ReLU, and db never summed."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return x @ W + b

    @staticmethod
    def backward(x, W, b, dout):
        return dout @ W.T, x.T @ dout, dout


class ReLU:
    @staticmethod
    def forward(x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(x, dout):
        np.multiply(dout, x > 0, out=dout)
        return dout
