"""Every product written with np.einsum; ReLU as x times its mask."""

import numpy as np


class Linear:
    @staticmethod
    def forward(x, W, b):
        return np.einsum('nd,dm->nm', x, W) + b

    @staticmethod
    def backward(x, W, b, dout):
        dx = np.einsum('nm,dm->nd', dout, W)
        dW = np.einsum('nd,nm->dm', x, dout)
        db = np.einsum('nm->m', dout)
        return dx, dW, db


class ReLU:
    @staticmethod
    def forward(x):
        return x * (x > 0)

    @staticmethod
    def backward(x, dout):
        return dout * (x > 0)
