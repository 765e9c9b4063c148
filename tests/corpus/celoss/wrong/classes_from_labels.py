# expect: bug:classes-from-labels
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        N = x.shape[0]
        C = len(set(y))                       # number of classes
        onehot = np.zeros((N, C))
        onehot[np.arange(N), y] = 1
        z = x - x.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -np.sum(onehot * logp[:, :C]) / N

    @staticmethod
    def backward(x, y, dout):
        N = x.shape[0]
        C = len(set(y))
        onehot = np.zeros((N, C))
        onehot[np.arange(N), y] = 1
        z = np.exp(x - x.max(axis=1, keepdims=True))
        p = z / z.sum(axis=1, keepdims=True)
        return (p - onehot) * dout / N, 0.0
