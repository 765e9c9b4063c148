"""Products rewritten through transposes; adjoints returned as a list; ReLU's as a 1-tuple."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return (W.T @ x.T).T + b[None, :]

    @staticmethod
    def backward(x, W, b, dout):
        dx = (W @ dout.T).T
        dW = (dout.T @ x).T
        db = dout.T @ np.ones(dout.shape[0], dtype=dout.dtype)
        return [dx, dW, db]


class ReLU:
    @staticmethod
    def forward(x):
        return np.clip(x, 0, None)

    @staticmethod
    def backward(x, dout):
        return (dout * np.heaviside(x, 0.0).astype(dout.dtype),)
