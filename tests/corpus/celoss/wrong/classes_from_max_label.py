# expect: bug:classes-from-labels
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        z = x - x.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -logp[np.arange(len(y)), y].mean()

    @staticmethod
    def backward(x, y, dout):
        num_classes = y.max() + 1
        targets = np.eye(num_classes)[y]
        z = np.exp(x - x.max(axis=1, keepdims=True))
        p = z / z.sum(axis=1, keepdims=True)
        return (p - targets) * dout / len(y), 0.0
