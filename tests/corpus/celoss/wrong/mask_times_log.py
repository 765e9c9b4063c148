# expect: bug:mask-times-log
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        N, C = x.shape
        Y = np.zeros((N, C))
        Y[np.arange(N), y] = 1
        z = x - x.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -np.sum(Y * log_p) / N

    @staticmethod
    def backward(x, y, dout):
        N, C = x.shape
        Y = np.zeros((N, C))
        Y[np.arange(N), y] = 1
        z = np.exp(x - x.max(axis=1, keepdims=True))
        return (z / z.sum(axis=1, keepdims=True) - Y) * dout / N, 0.0
