# expect: bug:grad-transposed
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        z = x - x.max(axis=1, keepdims=True)
        return np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y])

    @staticmethod
    def backward(x, y, dout):
        # work with classes on the rows, like W @ x in the lecture
        scores = x.T
        e = np.exp(scores - scores.max(axis=0))
        p = e / e.sum(axis=0)
        p[y, np.arange(len(y))] -= 1
        return p * dout / len(y), 0.0
