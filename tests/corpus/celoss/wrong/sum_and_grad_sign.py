# expect: bug:sum-not-mean bug:grad-sign
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        z = x - x.max(axis=1, keepdims=True)
        return np.sum(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y])

    @staticmethod
    def backward(x, y, dout):
        z = np.exp(x - x.max(axis=1, keepdims=True))
        p = z / z.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return -p * dout / len(y), 0.0
