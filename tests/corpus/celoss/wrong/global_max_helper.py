# expect: bug:global-max-shift
import numpy as np


def softmax(x):
    x = x - x.max()
    return np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)


class CELoss:
    @staticmethod
    def forward(x, y):
        p = softmax(x)
        return np.float64(-np.log(p[range(len(y)), y]).mean())

    @staticmethod
    def backward(x, y, dout):
        p = softmax(x)
        onehot = np.eye(x.shape[1])[y]
        return (p - onehot) * dout / x.shape[0], 0.0
