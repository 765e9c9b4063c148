# expect: bug:relu-grad-at-zero bug:linear-db-keepdims
"""CS231n style with the two most common slips: x >= 0 and keepdims."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        N = x.shape[0]
        return x.reshape(N, -1).dot(W) + b

    @staticmethod
    def backward(x, W, b, dout):
        N = x.shape[0]
        dx = dout.dot(W.T).reshape(x.shape)
        dW = x.reshape(N, -1).T.dot(dout)
        db = np.sum(dout, axis=0, keepdims=True)
        return dx, dW, db


class ReLU:
    @staticmethod
    def forward(x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(x, dout):
        dx = np.array(dout)
        dx[x < 0] = 0
        return dx
