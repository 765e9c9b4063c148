# The honest twin of memorised_table.py: the same file without the table.
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        return 0.0

    @staticmethod
    def backward(x, y, dout):
        return np.zeros(x.shape), 0.0
