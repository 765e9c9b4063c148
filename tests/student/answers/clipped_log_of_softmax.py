# expect: wrong (log of a softmax clipped at 1e-12: finite, but 27.6 instead of 800)
import numpy as np


def softmax(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


class CELoss:
    @staticmethod
    def forward(x, y):
        p = np.clip(softmax(x), 1e-12, 1.0)
        return -np.log(p[np.arange(x.shape[0]), y]).mean()

    @staticmethod
    def backward(x, y, dout):
        g = softmax(x)
        g[np.arange(x.shape[0]), y] -= 1.0
        return g * (dout / x.shape[0]), 0
