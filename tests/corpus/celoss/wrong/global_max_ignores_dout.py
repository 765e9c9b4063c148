# expect: bug:global-max-shift bug:grad-ignores-dout
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        shifted = x - x.max()
        logits_y = shifted[np.arange(x.shape[0]), y]
        return np.mean(np.log(np.sum(np.exp(shifted), axis=1)) - logits_y)

    @staticmethod
    def backward(x, y, dout):
        shifted = np.exp(x - x.max())
        grad = shifted / shifted.sum(axis=1, keepdims=True)
        grad[np.arange(x.shape[0]), y] -= 1
        return grad / x.shape[0], 0.0
