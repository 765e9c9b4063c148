import numpy as np


class CELoss:
    """Written as static methods that share a helper, as in the course's autodiff library."""

    @staticmethod
    def _probs(x):
        shifted = x - x.max(axis=1)[:, np.newaxis]
        exps = np.exp(shifted)
        return exps / exps.sum(axis=1)[:, np.newaxis], shifted, exps

    @staticmethod
    def forward(x, y):
        _, shifted, exps = CELoss._probs(x)
        n = len(x)
        correct = shifted[np.arange(n), y]
        loss = np.log(exps.sum(axis=1)) - correct
        return loss.mean()

    @staticmethod
    def backward(x, y, dout):
        p, _, _ = CELoss._probs(x)
        n = len(x)
        mask = np.arange(x.shape[1])[None, :] == y[:, None]
        return (p - mask) * (dout / n), 0.0
