# expect: bug:grad-not-averaged
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        m = np.max(x, axis=1, keepdims=True)
        lse = np.log(np.sum(np.exp(x - m), axis=1)) + m[:, 0]
        return np.mean(lse - x[np.arange(len(y)), y])

    @staticmethod
    def backward(x, y, dout):
        m = np.max(x, axis=1, keepdims=True)
        p = np.exp(x - m)
        p = p / np.sum(p, axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p * dout, 0.0
