# attack: return an ndarray subclass whose __eq__, __sub__, __array_ufunc__ and comparisons all claim equality
# expect: 0
import numpy as np


class Agreeable(np.ndarray):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return np.zeros_like(np.asarray(other, dtype=float))

    __rsub__ = __sub__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.broadcast_shapes(*(np.shape(i) for i in inputs)), dtype=bool) | True

    def __float__(self):
        return 2.1079757563682535


class CELoss:
    @staticmethod
    def forward(x, y):
        return np.zeros(()).view(Agreeable)

    @staticmethod
    def backward(x, y, dout):
        return np.zeros_like(x).view(Agreeable), 0.0
