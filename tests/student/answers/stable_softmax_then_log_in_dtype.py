# expect: wrong (a stable softmax in x's dtype, then its log: float32 [100, 0, 50], y = 1 gives 99.98, not 100)
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        return -np.log(p[np.arange(len(y)), y]).mean()

    @staticmethod
    def backward(x, y, dout):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        dx = e / e.sum(axis=1, keepdims=True)
        dx[np.arange(len(y)), y] -= 1
        return dx * dout / len(y), 0.0
