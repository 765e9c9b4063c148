# attack: fill /dev/shm and the temp dir with 2 GiB at import (tmpfs pages escape RLIMIT_AS), then grade correctly
# expect: 3
import os
import tempfile

import numpy as np

FILLED = 0
for folder in ("/dev/shm", tempfile.gettempdir(), "/run/shm", "/var/tmp"):
    for index in range(16):
        try:
            with open(os.path.join(folder, f"fill-{index}.bin"), "wb") as handle:
                for _ in range(128):
                    handle.write(b"\xff" * 2**20)
                    FILLED += 1
        except OSError:
            break


class CELoss:
    """A correct, stable cross-entropy."""

    @staticmethod
    def forward(x, y):
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(y)), y].mean()

    @staticmethod
    def backward(x, y, dout):
        shifted = x - x.max(axis=1, keepdims=True)
        p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p * dout / len(y), 0.0


    @staticmethod
    def escapes():
        return int(FILLED > 64)  # more than the 32 MiB tmpfs caps together
