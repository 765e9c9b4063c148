import numpy as np


class CELoss:
    # logsumexp(x) = m + log1p(sum of exp(x - m) over the entries other than the max)
    @staticmethod
    def _lse(x):
        top = np.argmax(x, axis=1)
        m = x[np.arange(x.shape[0]), top]
        e = np.exp(x - m[:, None])
        e[np.arange(x.shape[0]), top] = 0.0
        return m + np.log1p(e.sum(axis=1))

    @staticmethod
    def forward(x, y):
        return np.mean(CELoss._lse(x) - x[np.arange(len(y)), y])

    @staticmethod
    def backward(x, y, dout):
        p = np.exp(x - CELoss._lse(x)[:, None])
        p[np.arange(len(y)), y] -= 1
        return np.multiply(p, dout) / x.shape[0], 0
