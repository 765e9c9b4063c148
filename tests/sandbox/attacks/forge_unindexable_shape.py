# attack: write a crafted reply straight onto the pipe, an empty array whose shape numpy cannot index ([0, 10**30]), then die, hoping the grader's decoder raises something other than a student error
# expect: 1
import json
import os
import struct
import sys

import numpy as np

REPLY_FD = int(sys.argv[2])


def forge():
    value = {"t": "nd", "b": 0, "d": "<f8", "s": [0, 10**30]}
    header = json.dumps({"ok": True, "value": value, "mutated": [], "blobs": 1}).encode()
    for part in (header, b""):
        os.write(REPLY_FD, struct.pack(">I", len(part)) + part)


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
    def forward(x, y):
        forge()
        os._exit(0)
