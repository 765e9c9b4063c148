# expect: bug:grad-ignores-dout
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        m = np.max(x, axis=1, keepdims=True)
        lse = np.log(np.sum(np.exp(x - m), axis=1)) + m[:, 0]
        return np.mean(lse - x[np.arange(len(y)), y])

    @staticmethod
    def backward(x, y, dout):
        # dout is 1 for a loss, so it can be ignored
        m = np.max(x, axis=1, keepdims=True)
        p = np.exp(x - m)
        p = p / np.sum(p, axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p / len(y), 0.0
