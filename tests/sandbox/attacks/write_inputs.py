# attack: overwrite the read-only inputs (flip them writable, else write through their memory with ctypes), hoping the grader then compares against changed data
# expect: 1
import ctypes

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
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_p[np.arange(len(y)), y].mean()
        try:
            x.flags.writeable = True
            x[...] = 0
        except ValueError:  # its memory is an immutable bytes object: write there directly
            ctypes.memset(x.ctypes.data, 0, x.nbytes)
        return loss

