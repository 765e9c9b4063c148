# expect: bug:grad-ignores-dout
import math

import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        s = 0.0
        for i in range(x.shape[0]):
            m = x[i].max()
            s += m + math.log(np.exp(x[i] - m).sum()) - x[i, y[i]]
        return s / x.shape[0]

    @staticmethod
    def backward(x, y, dout):
        n = x.shape[0]
        dx = np.zeros(x.shape)
        for i in range(n):
            e = np.exp(x[i] - x[i].max())
            dx[i] = e / e.sum()
            dx[i, y[i]] -= 1
            dx[i] /= n
        return dx, np.zeros_like(y)
