# expect: bug:dy-not-zero
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        z = x - x.max(axis=1, keepdims=True)
        return np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y])

    @staticmethod
    def backward(x, y, dout):
        z = np.exp(x - x.max(axis=1, keepdims=True))
        p = z / z.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        dx = p * dout / len(y)
        dy = np.ones_like(y) * dout        # gradient w.r.t. the labels
        return dx, dy
