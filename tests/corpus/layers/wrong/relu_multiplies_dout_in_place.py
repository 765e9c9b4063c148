# expect: bug:relu-mutates-input
"""dout *= mask, in place."""

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
        dout *= (x > 0)
        return dout
