"""Explicit Python loops over rows and columns, accumulators in the inputs' dtype."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        N, D = x.shape
        M = W.shape[1]
        out = np.zeros((N, M), dtype=np.result_type(x, W, b))
        for n in range(N):
            for m in range(M):
                out[n, m] = np.dot(x[n], W[:, m]) + b[m]
        return out

    @staticmethod
    def backward(x, W, b, dout):
        N, D = x.shape
        M = W.shape[1]
        dx = np.zeros_like(x, dtype=np.result_type(x, dout))
        dW = np.zeros_like(W, dtype=np.result_type(W, dout))
        db = np.zeros_like(b, dtype=np.result_type(b, dout))
        for n in range(N):
            dx[n] = W @ dout[n]
            dW += np.outer(x[n], dout[n])
            db += dout[n]
        return dx, dW, db


class ReLU:
    @staticmethod
    def forward(x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(x, dout):
        dx = np.empty_like(dout)
        for index in np.ndindex(x.shape):
            dx[index] = dout[index] if x[index] > 0 else 0.0
        return dx
