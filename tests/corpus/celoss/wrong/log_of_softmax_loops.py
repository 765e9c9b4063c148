# expect: bug:log-of-softmax
import numpy as np


class CELoss:
    @staticmethod
    def softmax(v):
        v = v - np.max(v)
        return np.exp(v) / np.sum(np.exp(v))

    @staticmethod
    def forward(x, y):
        losses = []
        for xi, yi in zip(x, y):
            losses.append(-np.log(CELoss.softmax(xi)[yi]))
        return np.mean(losses)

    @staticmethod
    def backward(x, y, dout):
        grads = []
        for xi, yi in zip(x, y):
            g = CELoss.softmax(xi)
            g[yi] -= 1
            grads.append(g)
        return np.array(grads) * dout / len(y), 0.0
