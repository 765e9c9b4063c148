# expect: bug:grad-sign
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        z = x - x.max(axis=1, keepdims=True)
        return np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y])

    @staticmethod
    def backward(x, y, dout):
        z = np.exp(x - x.max(axis=1, keepdims=True))
        p = z / z.sum(axis=1, keepdims=True)
        onehot = np.eye(x.shape[1])[y]
        return dout * (onehot - p) / len(y), 0.0
