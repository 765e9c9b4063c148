# attack: replace np.allclose, np.isclose, np.array_equal and np.testing asserts so every comparison passes
# expect: 0
import numpy as np
import numpy.testing

np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
try:
    np.ndarray.__eq__ = lambda self, other: True
except TypeError:  # numpy's types are immutable
    pass


class CELoss:
    """Wrong on purpose: a constant loss and a zero gradient."""

    @staticmethod
    def forward(x, y):
        return 0.0

    @staticmethod
    def backward(x, y, dout):
        return np.zeros_like(x), 0.0

