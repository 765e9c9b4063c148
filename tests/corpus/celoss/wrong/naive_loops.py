# expect: bug:no-max-shift
import math

import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        N, C = x.shape
        total = 0
        for i in range(N):
            denom = sum(np.exp(x[i, j]) for j in range(C))
            total -= np.log(np.exp(x[i, y[i]]) / denom)
        return total / N

    @staticmethod
    def backward(x, y, dout):
        N, C = x.shape
        dx = np.empty((N, C))
        for i in range(N):
            denom = sum(np.exp(x[i, j]) for j in range(C))
            for j in range(C):
                dx[i, j] = np.exp(x[i, j]) / denom - (1 if j == y[i] else 0)
        return dx * dout / N, 0
