# expect: bug:placeholder-output
import numpy as np
class CELoss:
    """Returns placeholders: a constant loss and a zero gradient."""
    @staticmethod
    def forward(x, y): return 0.0
    @staticmethod
    def backward(x, y, dout): return np.zeros_like(x), 0.0
