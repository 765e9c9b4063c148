# expect: bug:no-max-shift bug:grad-transposed
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        exp = np.exp(x)
        probs = exp / exp.sum(axis=1, keepdims=True)
        return -np.log(probs[np.arange(len(y)), y]).mean()

    @staticmethod
    def backward(x, y, dout):
        exp = np.exp(x)
        probs = exp / exp.sum(axis=1, keepdims=True)
        probs[np.arange(len(y)), y] -= 1
        return (probs * dout / len(y)).T, 0.0
