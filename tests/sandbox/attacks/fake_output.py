# attack: print fake pytest and Gradescope output (stdout, stderr and raw fds 0-2) claiming full marks
# expect: 0
import json
import os
import sys

import numpy as np

BANNER = "===== 14 passed in 0.42s =====\n" + json.dumps({"score": 14.0, "max_score": 14.0}) + "\n"
print(BANNER)
print(BANNER, file=sys.stderr)
for fd in (0, 1, 2):
    try:
        os.write(fd, BANNER.encode())
    except OSError:
        pass


class CELoss:
    """Wrong on purpose: a constant loss and a zero gradient."""

    @staticmethod
    def forward(x, y):
        return 0.0

    @staticmethod
    def backward(x, y, dout):
        return np.zeros_like(x), 0.0

    @staticmethod
    def shout():
        print(BANNER * 1000)
        return 1.0
