# expect: bug:no-max-shift
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        probs = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
        return -np.mean(np.log(probs[np.arange(len(y)), y]))

    @staticmethod
    def backward(x, y, dout):
        probs = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
        probs[np.arange(len(y)), y] -= 1
        return dout * probs / len(y), 0.0
