"""Module-level helpers; ReLU as (x + |x|) / 2 and a boolean-mask multiply."""

import numpy as np


def affine(x, W, b):
    return np.matmul(x, W) + b


def positive(x):
    return x > 0


class Linear:
    @staticmethod
    def forward(x, W, b):
        return affine(x, W, b)

    @staticmethod
    def backward(x, W, b, dout):
        return np.matmul(dout, W.swapaxes(0, 1)), np.matmul(x.swapaxes(0, 1), dout), dout.sum(0)


class ReLU:
    @staticmethod
    def forward(x):
        return (x + np.abs(x)) / 2

    @staticmethod
    def backward(x, dout):
        return np.multiply(dout, positive(x))
