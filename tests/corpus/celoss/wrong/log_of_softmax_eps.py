# expect: bug:log-of-softmax
import numpy as np

EPS = 1e-12


class CELoss:
    @staticmethod
    def forward(x, y):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        onehot = np.zeros_like(p)
        onehot[np.arange(len(y)), y] = 1
        return -np.sum(onehot * np.log(p + EPS)) / len(y)   # eps avoids log(0)

    @staticmethod
    def backward(x, y, dout):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        onehot = np.zeros_like(p)
        onehot[np.arange(len(y)), y] = 1
        return (p - onehot) / len(y) * dout, 0.0
