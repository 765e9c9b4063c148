# expect: bug:mean-over-classes
import numpy as np
from scipy.special import log_softmax


class CELoss:
    @staticmethod
    def forward(x, y):
        targets = np.zeros(x.shape)
        targets[np.arange(len(y)), y] = 1
        return np.mean(-targets * log_softmax(x, axis=1))

    @staticmethod
    def backward(x, y, dout):
        targets = np.zeros(x.shape)
        targets[np.arange(len(y)), y] = 1
        return (np.exp(log_softmax(x, axis=1)) - targets) * dout / len(y), 0.0
