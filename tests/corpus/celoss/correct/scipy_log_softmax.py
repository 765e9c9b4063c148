import numpy as np
from scipy.special import log_softmax, softmax


class CELoss:
    @staticmethod
    def forward(x, y):
        logp = log_softmax(x, axis=1)
        picked = np.take_along_axis(logp, y[:, None], axis=1)
        return np.array(-picked.mean())   # 0-d array

    @staticmethod
    def backward(x, y, dout):
        n, c = x.shape
        grad = softmax(x, axis=1) - np.eye(c)[y]
        return np.asarray(dout) * grad / n, np.zeros_like(y)
