# expect: bug:log-of-softmax
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        shifted = x - np.max(x, axis=1, keepdims=True)
        probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
        return -np.mean(np.log(probs[np.arange(x.shape[0]), y]))

    @staticmethod
    def backward(x, y, dout):
        shifted = x - np.max(x, axis=1, keepdims=True)
        probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
        probs[np.arange(x.shape[0]), y] -= 1
        return probs * dout / x.shape[0], 0.0
