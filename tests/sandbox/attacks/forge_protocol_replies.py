# attack: monkeypatch json.dumps inside the child so every reply claims the worked example's loss
# expect: 0
import json

import numpy as np

_dumps = json.dumps


def forged(obj, *args, **kwargs):
    if isinstance(obj, dict) and obj.get("ok") is True:
        obj = dict(obj, value={"t": "f", "v": 2.1079757563682535})
    return _dumps(obj, *args, **kwargs)


json.dumps = forged


class CELoss:
    """Wrong on purpose: a constant loss and a zero gradient."""

    @staticmethod
    def forward(x, y):
        return 0.0

    @staticmethod
    def backward(x, y, dout):
        return np.zeros_like(x), 0.0

