"""The common dout[x <= 0] = 0 idiom, done right: on a copy of dout."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return x @ W + b

    @staticmethod
    def backward(x, W, b, dout):
        dx = np.dot(dout, W.T)
        dW = np.dot(x.T, dout)
        db = np.sum(dout, axis=0)
        return dx, dW, db


class ReLU:
    @staticmethod
    def forward(x):
        out = x.copy()
        out[out < 0] = 0
        return out

    @staticmethod
    def backward(x, dout):
        dx = np.array(dout, copy=True)
        dx[x <= 0] = 0
        return dx
