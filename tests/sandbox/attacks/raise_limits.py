# attack: raise the rlimits back (address space, processes, CPU) and unshare a new user namespace to regain privileges
# expect: 3
import os
import resource

import numpy as np

ESCAPES = []
for which in (resource.RLIMIT_AS, resource.RLIMIT_NPROC, resource.RLIMIT_CPU, resource.RLIMIT_FSIZE):
    try:
        resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        ESCAPES.append(which)
    except (ValueError, OSError):
        pass
try:
    os.unshare(os.CLONE_NEWUSER)
    ESCAPES.append("userns")
except (AttributeError, OSError):
    pass


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
        return len(ESCAPES)
