# attack: reseed numpy's global RNG and replace default_rng, hoping the grader's hidden inputs become predictable
# expect: 3
import numpy as np

np.random.seed(0)
_real = np.random.default_rng
np.random.default_rng = lambda seed=None: _real(0)
np.random.standard_normal = lambda *args, **kwargs: 0.0


class CELoss:
    """A correct, stable cross-entropy."""

    @staticmethod
    def forward(x, y):
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(y)), y].mean()

    @staticmethod
    def backward(x, y, dout):
        shifted = x - x.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p * dout / len(y), 0.0

