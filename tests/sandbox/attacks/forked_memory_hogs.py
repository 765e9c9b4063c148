# attack: twelve forked children of 800 MiB each, so a per-process memory cap lets the sandbox take 9 GiB
# expect: 3
import os
import select
import time

import numpy as np


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
    def rampage():
        read_end, write_end = os.pipe()
        for _ in range(12):
            try:
                if os.fork() == 0:
                    block = bytearray(800 * 2**20)
                    for i in range(0, len(block), 4096):
                        block[i] = 1
                    os.write(write_end, b"1")
                    time.sleep(60)
                    os._exit(0)
            except OSError:
                break
        os.close(write_end)
        held, deadline = 0, time.monotonic() + 1.2
        while time.monotonic() < deadline and select.select([read_end], [], [], 0.1)[0]:
            held += len(os.read(read_end, 64) or b"")
        return held

    @staticmethod
    def escapes():
        return 0
