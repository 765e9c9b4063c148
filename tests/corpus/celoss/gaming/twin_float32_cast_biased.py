# The honest twin of float32_cast_biased.py: the same biased loss, returned in float64.
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        m = x.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(x - m).sum(axis=1))
        return np.mean(lse - x[np.arange(len(y)), y]) + 3e-6

    @staticmethod
    def backward(x, y, dout):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p * dout / len(y), 0.0
