import numpy as np


class CELoss:
    # Whatever comes in, I compute in float64 and return float64: more digits never hurt.
    @staticmethod
    def forward(x, y):
        z = np.asarray(x, dtype=np.float64)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(y)), y].mean())

    @staticmethod
    def backward(x, y, dout):
        z = np.asarray(x, dtype=np.float64)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1.0
        return p * (np.asarray(dout, dtype=np.float64) / len(y)), np.zeros_like(y)
