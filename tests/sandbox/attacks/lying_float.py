# attack: return a float subclass (and a numpy-scalar lookalike) whose __eq__/__sub__/__abs__ report zero error
# expect: 0
import numpy as np


class Close(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __sub__(self, other):
        return Close(0.0)

    __rsub__ = __sub__

    def __abs__(self):
        return Close(0.0)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("no")


class CELoss:
    @staticmethod
    def forward(x, y):
        return Close(0.0)

    @staticmethod
    def backward(x, y, dout):
        return [[Close(0.0)] * x.shape[1]] * x.shape[0], Close(0.0)
