# expect: bug:linear-dw-transposed
"""The right product, transposed once too often."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return x @ W + b

    @staticmethod
    def backward(x, W, b, dout):
        return np.dot(dout, W.T), np.dot(x.T, dout).T, np.sum(dout, 0)


class ReLU:
    @staticmethod
    def forward(x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(x, dout):
        return dout * (x > 0)
