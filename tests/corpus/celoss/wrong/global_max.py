# expect: bug:global-max-shift
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        z = x - np.max(x)            # subtract the max for stability
        e = np.exp(z)
        log_probs = z - np.log(e.sum(axis=1, keepdims=True))
        return -log_probs[np.arange(len(y)), y].mean()

    @staticmethod
    def backward(x, y, dout):
        z = x - np.max(x)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return dout * p / len(y), 0.0
