# expect: bug:grad-missing-onehot
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        z = x - x.max(axis=1, keepdims=True)
        return np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y])

    @staticmethod
    def backward(x, y, dout):
        z = np.exp(x - x.max(axis=1, keepdims=True))
        softmax = z / z.sum(axis=1, keepdims=True)
        return softmax * dout / x.shape[0], 0.0
