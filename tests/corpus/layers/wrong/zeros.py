# expect: bug:placeholder-output
"""Placeholders that return zeros of the right shapes."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return np.zeros((x.shape[0], W.shape[1]))

    @staticmethod
    def backward(x, W, b, dout):
        return np.zeros_like(x), np.zeros_like(W), np.zeros_like(b)


class ReLU:
    @staticmethod
    def forward(x):
        return np.zeros_like(x)

    @staticmethod
    def backward(x, dout):
        return np.zeros_like(x)
