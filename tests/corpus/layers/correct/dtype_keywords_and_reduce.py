"""ufunc keywords and reductions: np.add.reduce for db, np.maximum with dtype=, b broadcast by reshape."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return np.dot(x, W) + b.reshape(1, -1)

    @staticmethod
    def backward(x, W, b, dout):
        return np.dot(dout, W.T), np.dot(x.T, dout), np.add.reduce(dout, axis=0)


class ReLU:
    @staticmethod
    def forward(x):
        return np.maximum(x, np.zeros((), dtype=x.dtype), dtype=x.dtype)

    @staticmethod
    def backward(x, dout):
        return np.where(np.greater(x, 0), dout, np.zeros_like(dout))
