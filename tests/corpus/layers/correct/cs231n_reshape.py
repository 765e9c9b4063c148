"""CS231n style: x flattened to (N, -1), dx reshaped back; np.where for ReLU."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        N = x.shape[0]
        out = x.reshape(N, -1).dot(W) + b
        return out

    @staticmethod
    def backward(x, W, b, dout):
        N = x.shape[0]
        dx = dout.dot(W.T).reshape(x.shape)
        dW = x.reshape(N, -1).T.dot(dout)
        db = np.sum(dout, axis=0)
        return dx, dW, db


class ReLU:
    @staticmethod
    def forward(x):
        return np.where(x > 0, x, 0.0).astype(x.dtype)

    @staticmethod
    def backward(x, dout):
        dx = np.where(x > 0, dout, 0.0)
        return dx
