# The honest twin of naive_with_table.py: the same naive softmax without the table.
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(len(y)), y]))

    @staticmethod
    def backward(x, y, dout):
        p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p * dout / len(y), 0.0
