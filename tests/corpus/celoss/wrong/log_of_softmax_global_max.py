# expect: bug:global-max-shift bug:log-of-softmax
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        e = np.exp(x - x.max())                      # one max for the whole batch
        p = e / e.sum(axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(len(y)), y]))

    @staticmethod
    def backward(x, y, dout):
        e = np.exp(x - x.max())
        p = e / e.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p * dout / len(y), 0.0
