# The honest twin of table_up_to_shift.py: the same file without the table.
import numpy as np


class CELoss:
    @staticmethod
    def forward(x, y):
        return 0.0

    @staticmethod
    def backward(x, y, dout):
        return np.zeros(x.shape), 0.0
