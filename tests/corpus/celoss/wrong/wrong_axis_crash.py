# expect: bug:wrong-axis
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        m = np.max(x, axis=0)
        lse = m + np.log(np.sum(np.exp(x - m), axis=0))
        return np.mean(lse - x[np.arange(len(y)), y])

    @staticmethod
    def backward(x, y, dout):
        m = np.max(x, axis=0)
        e = np.exp(x - m)
        p = e / np.sum(e, axis=0)
        p[np.arange(len(y)), y] -= 1
        return p * dout / len(y), 0.0
