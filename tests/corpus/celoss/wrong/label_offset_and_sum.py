# expect: bug:label-offset bug:grad-not-averaged
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        total = 0.0
        for i, label in enumerate(y):
            row = x[i] - x[i].max()
            total += np.log(np.exp(row).sum()) - row[label - 1]
        return total / len(y)

    @staticmethod
    def backward(x, y, dout):
        out = np.zeros_like(x)
        for i, label in enumerate(y):
            row = np.exp(x[i] - x[i].max())
            out[i] = row / row.sum()
            out[i, label] -= 1
        return out * dout, 0.0
