# expect: bug:no-max-shift
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        x = np.asarray(x, dtype=np.float32)
        e = np.exp(x)
        p = e / e.sum(axis=1, keepdims=True)
        return np.float32(-np.log(p[np.arange(len(y)), y]).mean())

    @staticmethod
    def backward(x, y, dout):
        x = np.asarray(x, dtype=np.float32)
        e = np.exp(x)
        p = e / e.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return (p * np.float32(dout) / len(y)).astype(np.float32), 0.0
