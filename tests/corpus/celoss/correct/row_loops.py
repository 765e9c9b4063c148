import math

import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        total = 0.0
        for i in range(x.shape[0]):
            row = x[i]
            m = max(row)
            s = 0.0
            for v in row:
                s += math.exp(v - m)
            total += m + math.log(s) - row[y[i]]
        return total / x.shape[0]

    @staticmethod
    def backward(x, y, dout):
        N, C = x.shape
        dx = np.zeros(x.shape)
        for i in range(N):
            m = np.max(x[i])
            e = np.exp(x[i] - m)
            p = e / np.sum(e)
            for j in range(C):
                dx[i, j] = p[j] - (1.0 if j == y[i] else 0.0)
        dx = dx / N
        dx = dx * dout
        return dx, 0.0
