# expect: bug:relu-arguments-swapped
"""Ported from CS231n's relu_backward(dout, cache): the arguments arrive as (x, dout) but are read the other way."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return x @ W + b

    @staticmethod
    def backward(x, W, b, dout):
        return dout @ W.T, x.T @ dout, dout.sum(axis=0)


class ReLU:
    @staticmethod
    def forward(x):
        return np.maximum(0, x)

    @staticmethod
    def backward(dout, cache):
        x = cache
        dx = dout * (x > 0)
        return dx
