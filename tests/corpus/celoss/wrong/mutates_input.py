# expect: bug:mutates-input
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        x -= np.max(x, axis=1, keepdims=True)      # saves memory
        lse = np.log(np.sum(np.exp(x), axis=1))
        return np.mean(lse - x[np.arange(len(y)), y])

    @staticmethod
    def backward(x, y, dout):
        x -= np.max(x, axis=1, keepdims=True)
        np.exp(x, out=x)
        x /= np.sum(x, axis=1, keepdims=True)
        x[np.arange(len(y)), y] -= 1
        return x * dout / len(y), 0.0
