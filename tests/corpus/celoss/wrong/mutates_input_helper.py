# expect: bug:mutates-input
import numpy as np


def softmax_inplace(a):
    a -= a.max(axis=1)[:, None]
    np.exp(a, out=a)
    a /= a.sum(axis=1)[:, None]
    return a


class CELoss:
    @staticmethod
    def forward(x, y):
        p = softmax_inplace(x)
        return -np.mean(np.log(p[np.arange(len(y)), y]))

    @staticmethod
    def backward(x, y, dout):
        p = softmax_inplace(x)
        p[np.arange(len(y)), y] -= 1
        return p * dout / len(y), 0.0
