# expect:
"""CS231n's cache idiom kept in a module global: backward masks with the x of the latest forward call."""

import numpy as np


_cache = {}


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
        _cache["x"] = np.array(x)
        return np.maximum(x, 0)

    @staticmethod
    def backward(x, dout):
        x_seen = _cache.get("x", x)
        if x_seen.shape != x.shape:
            x_seen = x
        return dout * (x_seen > 0)
