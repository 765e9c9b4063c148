# attack: a memory bomb in forward: allocate and touch ever larger arrays until the machine runs out
# expect: 1
import numpy as np


class CELoss:
    """A correct, stable cross-entropy."""

    @staticmethod
    def forward(x, y):
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(y)), y].mean()

    @staticmethod
    def backward(x, y, dout):
        shifted = x - x.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p * dout / len(y), 0.0


    @staticmethod
    def forward(x, y):
        hoard = []
        size = 2**20
        while True:
            hoard.append(np.ones(size))
            size *= 2


