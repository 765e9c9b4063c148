# expect: correct (works in float64 throughout, whatever the input dtype)
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        z = np.asarray(x, dtype=np.float64)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(y)), y].mean())

    @staticmethod
    def backward(x, y, dout):
        z = np.asarray(x, dtype=np.float64)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        dx = e / e.sum(axis=1, keepdims=True)
        dx[np.arange(len(y)), y] -= 1
        return [dx * (float(dout) / len(y)), np.zeros_like(y)]
