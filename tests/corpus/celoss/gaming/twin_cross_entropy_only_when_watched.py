# The honest twin of cross_entropy_only_when_watched.py: cross-entropy always, with the same made-up gradient.
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        m = x.max(axis=1, keepdims=True)
        return float(np.mean(m[:, 0] + np.log(np.exp(x - m).sum(axis=1)) - x[np.arange(len(y)), y]))

    @staticmethod
    def backward(x, y, dout):
        return dout * x / x.size, 0.0
