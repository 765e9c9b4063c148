# expect: bug:no-max-shift
import numpy as np


def logsumexp(a):
    return np.log(np.sum(np.exp(a), axis=1))


class CELoss:
    @staticmethod
    def forward(x, y):
        return np.mean(logsumexp(x) - x[np.arange(x.shape[0]), y])

    @staticmethod
    def backward(x, y, dout):
        p = np.exp(x - logsumexp(x)[:, None])
        p[np.arange(x.shape[0]), y] -= 1
        return p * dout / x.shape[0], 0.0
