import numpy as np
class CELoss:
    @staticmethod
    def forward(x, y): return 0.0
    @staticmethod
    def backward(x, y, dout): return np.zeros_like(x), 0.0
