import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        # logaddexp.reduce is a stable logsumexp
        lse = np.logaddexp.reduce(x, axis=1)
        return np.mean(lse - x[np.arange(x.shape[0]), y])

    @staticmethod
    def backward(x, y, dout):
        lse = np.logaddexp.reduce(x, axis=1, keepdims=True)
        d = np.exp(x - lse)
        d[np.arange(x.shape[0]), y] -= 1
        d *= float(dout) / x.shape[0]
        return d, 0.0
